/**
 * Bearer tokens for the client (contract section 5): a fresh token from the
 * app's `getToken()` for every socket it opens, and a `refresh` frame with a
 * newer one ahead of the token's expiry, so the server never reaches the
 * deadline and closes the socket with 4401.
 */
import { MAX_TIMER_MS } from '../timer-limit.js';

/** What `POST /api/auth/token` and `parlor.tokens.issue(userId)` answer. */
export interface IssuedToken {
  token: string;
  /** Unix ms. */
  expires_at: number;
}

/** The app's way to get a token: from its backend, a stored password, a native keychain... */
export type GetToken = () => IssuedToken | Promise<IssuedToken>;

/**
 * When to refresh a token that ends at `expiresAt`: `aheadMs` before, or
 * halfway there for a token with less than twice that left. A refresh that
 * failed is retried at the same rule, so at halving intervals before the end.
 */
export function refreshDelay(expiresAt: number, now: number, aheadMs: number): number {
  const left = expiresAt - now;
  return Math.max(0, left > 2 * aheadMs ? left - aheadMs : left / 2);
}

/**
 * The least time between two tries of one refresh. Near (or, with a client
 * clock ahead of the server's, past) the deadline the rule above gives 0, and
 * a `getToken()` that keeps failing would be called in a tight loop.
 */
export const REFRESH_RETRY_FLOOR_MS = 1000;

export class TokenRefresher {
  private expiresAt: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private send: ((token: string) => void) | undefined;

  constructor(
    private readonly getToken: GetToken,
    private readonly aheadMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for a new socket; rejects when `getToken` fails or answers something else than `{token, expires_at}`. */
  async fresh(): Promise<IssuedToken> {
    const issued = checked(await this.getToken());
    this.expiresAt = issued.expires_at;
    return issued;
  }

  /** The socket is open: refreshes ahead of expiry by calling `send` with a newer token, until `stop()`. */
  start(send: (token: string) => void): void {
    this.send = send;
    this.schedule();
  }

  /** The server answered `refreshed`: the socket now ends at `expiresAt`. */
  refreshed(expiresAt: number): void {
    if (!Number.isFinite(expiresAt)) return;
    this.expiresAt = expiresAt;
    if (this.send) this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.send = undefined;
  }

  private schedule(floorMs = 0): void {
    clearTimeout(this.timer);
    if (this.expiresAt === undefined) return;
    const delay = Math.max(floorMs, refreshDelay(this.expiresAt, this.now(), this.aheadMs));
    // A token of a month or more: wait the longest a timer can, then ask the rule again.
    if (delay > MAX_TIMER_MS) this.timer = setTimeout(() => this.schedule(), MAX_TIMER_MS);
    else this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    const send = this.send;
    try {
      const issued = checked(await this.getToken());
      if (send && this.send === send) send(issued.token);
    } catch {
      // Tried again at the same rule; the server closes with 4401 'token expired' if every try fails.
    }
    // Until `refreshed` arrives, the old deadline stands: retry ahead of it, but not at once.
    if (this.send === send) this.schedule(REFRESH_RETRY_FLOOR_MS);
  }
}

function checked(value: unknown): IssuedToken {
  const t = value as Partial<IssuedToken> | null;
  if (typeof t?.token !== 'string' || t.token.length === 0 || typeof t.expires_at !== 'number' || !Number.isFinite(t.expires_at)) {
    throw new TypeError('getToken() must resolve to {token, expires_at} (what POST /api/auth/token answers)');
  }
  return { token: t.token, expires_at: t.expires_at };
}
