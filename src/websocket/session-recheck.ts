import type { Logger } from '../logger.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { SessionResolver } from './session-resolver.js';

/**
 * Cookie sockets outlive nothing: every `intervalMs`, one batched question to
 * the resolver ("which of these session ids are still valid?") for all of
 * this process's cookie sockets, and the sockets of the sessions that are
 * gone are handed to `onEnded`. A session destroyed or expired anywhere (even
 * while the broker missed the logout) thus ends its sockets within one
 * interval. A failing check keeps every socket open until the next one.
 */
export class SessionRecheck {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly stillValid: NonNullable<SessionResolver['stillValid']>,
    private readonly onEnded: (conn: Connection) => void,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Runs one check now (or joins the one running); resolves with how many sockets it ended. */
  run(): Promise<number> {
    this.running ??= this.check().finally(() => (this.running = undefined));
    return this.running;
  }

  private async check(): Promise<number> {
    const asked = new Set<string>();
    for (const conn of this.registry.all()) {
      const sid = sessionOf(conn);
      if (sid !== undefined) asked.add(sid);
    }
    if (asked.size === 0) return 0;
    let live: Set<string>;
    try {
      live = new Set(await this.stillValid([...asked]));
    } catch (err) {
      this.log.warn({ err, sessions: asked.size }, 'session re-check failed; cookie sockets stay open until the next one');
      return 0;
    }
    let ended = 0;
    for (const conn of this.registry.all()) {
      const sid = sessionOf(conn);
      // A socket opened after the question was asked is left for the next check.
      if (sid === undefined || !asked.has(sid) || live.has(sid)) continue;
      this.onEnded(conn);
      ended++;
    }
    if (ended > 0) this.log.info({ sockets: ended }, 'session re-check: closed the sockets of ended sessions');
    return ended;
  }
}

function sessionOf(conn: Connection): string | undefined {
  return conn.isOpen && conn.identity.via === 'cookie' ? conn.identity.sessionId : undefined;
}
