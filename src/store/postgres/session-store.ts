/**
 * express-session store on the same PostgreSQL database: connect-pg-simple,
 * on the stores' pool, with its `session` table created by the migrations
 * (db/postgres/001_init.sql), never by createTableIfMissing.
 *
 * connect-pg-simple only ever calls `pool.query(text, values)`; it gets the
 * PgDatabase's tracked `query`, so the stores' close() also waits for session
 * writes in flight and the same timeouts bound them. Added on top, as the
 * SQLite store has them: `length` and `clear`; and, as there, a touch writes
 * only when it moves the expiry far enough (src/session/touch-throttle.ts).
 */
import connectPgSimple from 'connect-pg-simple';
import session, { type SessionData } from 'express-session';
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { GoneSessions } from '../../session/gone-sessions.js';
import { TouchThrottle } from '../../session/touch-throttle.js';
import { later } from '../later.js';
import type { PgDatabase } from './database.js';

export const SESSION_TABLE = 'session';

export interface PgSessionStoreOptions {
  /** How often expired rows are deleted; 0 turns it off (default 15 minutes, randomised by ±50% per instance). */
  pruneIntervalMs?: number;
  logger?: Logger;
}

const PGStore = connectPgSimple(session);

const DAY_MS = 24 * 60 * 60 * 1000;

type Done = (err?: unknown) => void;

/** The expiry connect-pg-simple writes for `sess`, in Unix ms: the cookie's, else a day from now (its default `ttl`). */
function expiryOf(sess: SessionData, now: number): number {
  const expires = sess.cookie?.expires;
  const at = expires ? new Date(expires).getTime() : Number.NaN;
  return Number.isFinite(at) ? at : now + DAY_MS;
}

export class PgSessionStore extends PGStore {
  private readonly table: string;
  private readonly touches = new TouchThrottle();
  private readonly gone = new GoneSessions();

  constructor(
    private readonly db: PgDatabase,
    options: PgSessionStoreOptions = {},
  ) {
    const pruneEvery = options.pruneIntervalMs ?? 15 * 60 * 1000;
    const pool = { query: (text: string, values?: unknown[]) => db.query(text, values) } as unknown as pg.Pool;
    super({
      pool,
      tableName: SESSION_TABLE,
      schemaName: db.schema,
      createTableIfMissing: false,
      pruneSessionInterval: pruneEvery > 0 ? Math.max(1, Math.round(pruneEvery / 1000)) : false,
      errorLog: (...args: unknown[]) => options.logger?.warn({ err: String(args[1] ?? args[0]) }, 'PostgreSQL session store: pruning failed'),
    });
    this.table = `"${db.schema}"."${SESSION_TABLE}"`;
  }

  /** Live sessions: those `get` would return. */
  override length(callback: (err: unknown, length?: number) => void): void {
    this.db
      .rows<{ n: number }>(`SELECT count(*) AS n FROM ${this.table} WHERE expire >= to_timestamp($1)`, [Math.ceil(Date.now() / 1000)])
      .then(
        (rows) => later(callback, null, rows[0]!.n),
        (err: unknown) => later(callback, err),
      );
  }

  /** The ids among `sids` that `get` would find (the session re-check): one query with an array parameter. */
  async liveSessionIds(sids: readonly string[]): Promise<string[]> {
    if (sids.length === 0) return [];
    const rows = await this.db.rows<{ sid: string }>(`SELECT sid FROM ${this.table} WHERE sid = ANY($1::text[]) AND expire >= to_timestamp($2)`, [
      sids,
      Math.ceil(Date.now() / 1000),
    ]);
    return rows.map((r) => r.sid);
  }

  /** A session that ended is read once, then answered from GoneSessions (an old cookie costs no query per request). */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    if (this.gone.has(sid)) return later(callback, null, null);
    const mark = this.gone.lookingUp();
    super.get(sid, (err: unknown, sess?: SessionData | null) => {
      if (!err && !sess) this.gone.missed(sid, mark);
      callback(err, sess);
    });
  }

  override set(sid: string, sess: SessionData, callback?: Done): void {
    this.touches.remember(sid, expiryOf(sess, Date.now()));
    this.gone.saving(sid);
    super.set(sid, sess, this.forgetOnError(sid, this.savedThen(sid, callback)));
  }

  override destroy(sid: string, callback?: Done): void {
    this.ended(sid);
    super.destroy(sid, callback);
  }

  /**
   * Every session of the user but `exceptSid` (UserSessions), found by the
   * `userId` in its JSON: a scan of the table (no index on it) for a rare
   * action of one user; expiry and the prune keep the table small.
   */
  async destroyUserSessions(userId: number, exceptSid?: string): Promise<string[]> {
    const rows = await this.db.rows<{ sid: string }>(
      `DELETE FROM ${this.table} WHERE sess->>'userId' = $1 AND sid IS DISTINCT FROM $2 RETURNING sid`,
      [String(userId), exceptSid ?? null],
    );
    const sids = rows.map((r) => r.sid);
    for (const sid of sids) this.ended(sid);
    return sids;
  }

  /** A session was deleted: the next touch of it writes (and finds no row), and a lookup answers without a read. */
  private ended(sid: string): void {
    this.touches.forget(sid);
    this.gone.destroyed(sid);
  }

  /** connect-pg-simple's UPDATE, skipped (no query) while the expiry would move less than the throttle's step. */
  override touch(sid: string, sess: SessionData, callback?: Done): void {
    const now = Date.now();
    this.gone.saving(sid); // a touch moves an expiry: a session that had ended may live again
    if (!this.touches.shouldWrite(sid, expiryOf(sess, now), now)) return later(callback, null);
    super.touch(sid, sess, this.forgetOnError(sid, this.savedThen(sid, callback)));
  }

  override clear(callback?: (err?: unknown) => void): void {
    this.touches.forgetAll();
    this.gone.forgetAll();
    this.db.query(`DELETE FROM ${this.table}`).then(
      () => later(callback, null),
      (err: unknown) => later(callback, err),
    );
  }

  /** The callback of a write that saves `sid`, telling GoneSessions when it has settled. */
  private savedThen(sid: string, callback: Done | undefined): Done {
    return (err) => {
      this.gone.saving(sid);
      callback?.(err);
    };
  }

  /** A write that failed may not have landed: the next touch of `sid` writes. */
  private forgetOnError(sid: string, callback: Done | undefined): Done {
    return (err) => {
      if (err) this.touches.forget(sid);
      callback?.(err);
    };
  }
}
