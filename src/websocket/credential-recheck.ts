import { LoggedOutReason } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Awaitable } from '../types.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { SessionResolver, TokenInUse } from './session-resolver.js';

/** What the re-check asks; either may be absent, and then those sockets are not re-checked. */
export interface RecheckQuestions {
  /** Cookie sockets: which of these session ids are still live (SessionResolver.stillValid, with the Manager's `openedAs`). */
  sessions?: (sessionIds: readonly string[]) => ReturnType<NonNullable<SessionResolver['stillValid']>>;
  /** Token sockets: which of these tokens no revocation has overtaken (ManagerOptions.tokensStillCurrent). */
  tokens?: (tokens: readonly TokenInUse[]) => Awaitable<boolean[]>;
}

type Ended = (conn: Connection, reason: string) => void;

/**
 * Sockets outlive no credential: every `intervalMs`, one batched question per
 * kind for all of this process's sockets ("which of these session ids are
 * still valid?", "which of these tokens are unrevoked?"), and the sockets
 * whose credential is gone are handed to `onEnded`. A session destroyed or
 * expired, or a token revoked, anywhere (even while the broker missed the
 * order) thus ends its sockets within one interval. A failing question keeps
 * its sockets open until the next one: an outage is not a logout.
 */
export class CredentialRecheck {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly ask: RecheckQuestions,
    private readonly onEnded: Ended,
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
    // Taken before either question: a socket opened after its question was asked is left for the next check.
    const sockets = [...this.registry.all()].filter((conn) => conn.isOpen);
    const [sessions, tokens] = await Promise.all([this.checkSessions(sockets), this.checkTokens(sockets)]);
    return sessions + tokens;
  }

  private async checkSessions(sockets: readonly Connection[]): Promise<number> {
    const ask = this.ask.sessions;
    const cookieSockets = sockets.filter((conn) => conn.identity.via === 'cookie' && conn.identity.sessionId !== undefined);
    if (!ask || cookieSockets.length === 0) return 0;
    // Each socket judged by the id asked about it: a password change may rename its session while the question
    // is out (the new id was not asked; the old one is deleted once every socket was renamed). One renamed
    // meanwhile is left for the next check, as a token refreshed meanwhile is.
    const askedFor = cookieSockets.map((conn) => conn.identity.sessionId!);
    const asked = [...new Set(askedFor)];
    let live: Set<string>;
    try {
      live = new Set(await ask(asked));
    } catch (err) {
      this.log.warn({ err, sessions: asked.length }, 'session re-check failed; cookie sockets stay open until the next one');
      return 0;
    }
    return this.end(
      cookieSockets.filter((conn, i) => !live.has(askedFor[i]!) && conn.identity.sessionId === askedFor[i]),
      LoggedOutReason.session_ended,
      'session re-check: closed the sockets of ended sessions',
    );
  }

  private async checkTokens(sockets: readonly Connection[]): Promise<number> {
    const ask = this.ask.tokens;
    const tokenSockets = sockets.filter((conn) => conn.identity.via === 'token' && conn.tokenVersion !== undefined);
    if (!ask || tokenSockets.length === 0) return 0;
    // Asked as they were when the check began: a `refresh` meanwhile is judged at the next check.
    const asked = tokenSockets.map((conn) => ({ userId: conn.userId, version: conn.tokenVersion! }));
    let current: boolean[];
    try {
      current = await ask(asked);
    } catch (err) {
      this.log.warn({ err, sockets: asked.length }, 'token re-check failed; token sockets stay open until the next one');
      return 0;
    }
    return this.end(
      tokenSockets.filter((conn, i) => current[i] !== true && conn.tokenVersion === asked[i]!.version),
      LoggedOutReason.tokens_revoked,
      'token re-check: closed the sockets of revoked tokens',
    );
  }

  private end(gone: readonly Connection[], reason: string, message: string): number {
    let ended = 0;
    for (const conn of gone) {
      if (!conn.isOpen) continue;
      this.onEnded(conn, reason);
      ended++;
    }
    if (ended > 0) this.log.info({ sockets: ended }, message);
    return ended;
  }
}
