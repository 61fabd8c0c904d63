/**
 * express-session store on the same SQLite file, so a restart keeps people
 * logged in. Writes go through the group-commit queue; reads are direct.
 *
 * Expiry: a row expires at `sess.cookie.expires`, else now + `cookie.maxAge`
 * (or `originalMaxAge`), else after one day (a browser-session cookie still
 * needs an end on the server). Expired rows are invisible to `get`, `all` and
 * `length` at once, and deleted by a periodic prune. A touch writes only when
 * it moves the expiry far enough (src/session/touch-throttle.ts).
 */
import type { Database } from 'better-sqlite3';
import session, { type SessionData } from 'express-session';
import type { Logger } from '../../logger.js';
import { GoneSessions } from '../../session/gone-sessions.js';
import { TouchThrottle } from '../../session/touch-throttle.js';
import { later } from '../later.js';
import type { SqliteWriter } from './sqlite-writer.js';

export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export interface SqliteSessionStoreOptions {
  /** How often expired rows are deleted; 0 turns the timer off (default 15 minutes). */
  pruneIntervalMs?: number;
  now?: () => number;
  logger?: Logger;
}

type Callback<T = void> = (err: unknown, value?: T) => void;

interface CookieLike {
  expires?: Date | string | null | false;
  maxAge?: number | null;
  originalMaxAge?: number | null;
}

/** When a session stops being valid, in Unix ms. */
export function sessionExpiry(sess: SessionData, now: number): number {
  const cookie = sess.cookie as CookieLike | undefined;
  if (cookie?.expires) {
    const at = new Date(cookie.expires).getTime();
    if (Number.isFinite(at)) return at;
  }
  const maxAge = cookie?.maxAge ?? cookie?.originalMaxAge;
  if (typeof maxAge === 'number' && Number.isFinite(maxAge)) return now + maxAge;
  return now + DEFAULT_SESSION_TTL_MS;
}

export class SqliteSessionStore extends session.Store {
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly timer: NodeJS.Timeout | null;
  private readonly byId;
  private readonly live;
  private readonly count;
  private readonly liveAmong;
  private readonly touches = new TouchThrottle();
  private readonly gone = new GoneSessions();

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    options: SqliteSessionStoreOptions = {},
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.byId = db.prepare<[string, number], string>('SELECT sess FROM sessions WHERE sid = ? AND expires > ?').pluck();
    this.live = db.prepare<[number], { sid: string; sess: string }>('SELECT sid, sess FROM sessions WHERE expires > ?');
    this.count = db.prepare<[number], number>('SELECT count(*) FROM sessions WHERE expires > ?').pluck();
    // One JSON array parameter, not one `?` per id: no limit on how many ids one question carries.
    this.liveAmong = db
      .prepare<[string, number], string>('SELECT sid FROM sessions WHERE sid IN (SELECT value FROM json_each(?)) AND expires > ?')
      .pluck();
    const every = options.pruneIntervalMs ?? 15 * 60 * 1000;
    this.timer = every > 0 ? setInterval(() => this.pruneQuietly(), every).unref() : null;
  }

  /** A session that ended is read once, then answered from GoneSessions (an old cookie costs no read per request). */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    if (this.gone.has(sid)) return later(callback, null, null);
    const mark = this.gone.lookingUp();
    this.read(callback, () => {
      const json = this.byId.get(sid, this.now());
      if (json === undefined) this.gone.missed(sid, mark);
      return json === undefined ? null : (JSON.parse(json) as SessionData);
    });
  }

  override set(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const expiresAt = sessionExpiry(sess, this.now());
    this.touches.remember(sid, expiresAt);
    this.gone.saving(sid);
    this.write(this.savedThen(sid, callback), () => this.writer.run('setSession', sid, JSON.stringify(sess), expiresAt), () => this.touches.forget(sid));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.ended(sid);
    this.write(callback, () => this.writer.run('destroySession', sid));
  }

  /** A session was deleted: the next touch of it writes (and finds no row), and a lookup answers without a read. */
  private ended(sid: string): void {
    this.touches.forget(sid);
    this.gone.destroyed(sid);
  }

  /** Every session of the user but `exceptSid` (UserSessions); each id deleted is gone here at once, as after `destroy`. */
  async destroyUserSessions(userId: number, exceptSid?: string): Promise<string[]> {
    const sids = await this.writer.run('destroyUserSessions', userId, exceptSid ?? null);
    for (const sid of sids) this.ended(sid);
    return sids;
  }

  /**
   * Moves the expiry of an existing session; does nothing for an unknown sid.
   * Skipped (no write) while the expiry would move less than the throttle's step.
   */
  override touch(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const now = this.now();
    const expiresAt = sessionExpiry(sess, now);
    this.gone.saving(sid); // a touch moves an expiry: a session that had ended may live again
    if (!this.touches.shouldWrite(sid, expiresAt, now)) return later(callback, null);
    this.write(this.savedThen(sid, callback), () => this.writer.run('touchSession', sid, expiresAt), () => this.touches.forget(sid));
  }

  override clear(callback?: (err?: unknown) => void): void {
    this.touches.forgetAll();
    this.gone.forgetAll();
    this.write(callback, () => this.writer.run('clearSessions'));
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    this.read(callback, () => this.count.get(this.now())!);
  }

  override all(callback: (err: unknown, obj?: { [sid: string]: SessionData } | null) => void): void {
    this.read(callback, () => {
      const out: { [sid: string]: SessionData } = {};
      for (const row of this.live.all(this.now())) out[row.sid] = JSON.parse(row.sess) as SessionData;
      return out;
    });
  }

  /** The ids among `sids` that `get` would find (the session re-check). */
  liveSessionIds(sids: readonly string[]): Promise<string[]> {
    if (sids.length === 0) return Promise.resolve([]);
    try {
      return Promise.resolve(this.liveAmong.all(JSON.stringify(sids), this.now()));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Deletes expired rows now; resolves with how many. */
  pruneExpired(): Promise<number> {
    return this.writer.run('pruneSessions', this.now());
  }

  /** Stops the prune timer (the database is closed by the owner of the stores). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Whether the prune timer keeps the process alive (never): for tests. */
  get pruneTimerRefed(): boolean | null {
    return this.timer ? this.timer.hasRef() : null;
  }

  private pruneQuietly(): void {
    this.pruneExpired().then(
      (removed) => {
        if (removed > 0) this.logger?.debug({ removed }, 'pruned expired sessions');
      },
      (err: unknown) => this.logger?.warn({ err }, 'pruning expired sessions failed'),
    );
  }

  private read<T>(callback: Callback<T>, query: () => T): void {
    let value: T;
    try {
      value = query();
    } catch (err) {
      return later(callback, err);
    }
    later(callback, null, value);
  }

  /** The callback of a write that saves `sid`, telling GoneSessions when it has settled. */
  private savedThen(sid: string, callback: Callback | undefined): Callback {
    return (err) => {
      this.gone.saving(sid);
      callback?.(err);
    };
  }

  /** `write` starts the store write; its promise settles the callback on a later turn (after `failed`, if it fails). */
  private write(callback: Callback | undefined, write: () => Promise<unknown>, failed?: () => void): void {
    let written: Promise<unknown>;
    try {
      written = write();
    } catch (err) {
      written = Promise.reject(err); // JSON.stringify of a session with a cycle
    }
    written.then(
      () => later(callback, null),
      (err: unknown) => {
        failed?.();
        later(callback, err);
      },
    );
  }
}
