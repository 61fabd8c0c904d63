/**
 * When a session store's `touch` may skip its write (connect-mongo's
 * `touchAfter`, scaled to the session's lifetime).
 *
 * With `resave: false` express-session calls `store.touch` when any response
 * with an unchanged session ends, a 429 past the user's budget included, and
 * a touch is a store write. Unthrottled, a signed-in client looping on any
 * account route makes one write per request, whatever its budgets say. So a
 * store remembers the expiry it last wrote for each session (in a bounded
 * LRU, per instance) and a touch writes only when it would move that expiry
 * by at least `touchAfterMs(lifetime)`: at most one write per session per
 * minute. The price is precision: the stored expiry may lag the cookie's by
 * up to that much, so a session kept alive by account requests can end on
 * the server that much before `maxAge` after its last one (only the account
 * routes touch it; a browser's cookie ends `maxAge` after sign-in anyway:
 * docs/operations.md, Notes, "Session lifetime").
 *
 * Skipping is safe on several instances: a row's expiry only moves forward
 * (a touch or save elsewhere writes a later one), so it is never earlier than
 * what this instance remembers writing. A forgotten sid (evicted, restarted)
 * only costs one write.
 */

/** The most a touch may be skipped for: a minute of a 30-day session is invisible. */
export const TOUCH_AFTER_MS = 60_000;
/** A short session keeps nine tenths of its lifetime: a 10 s session is written every second. */
const LIFETIME_SHARE = 10;
/** Sessions remembered per instance (~100 bytes each); one forgotten costs one write. */
export const TOUCH_THROTTLE_ENTRIES = 50_000;

/** How far the expiry must move before a touch writes it, for a session that lives `lifetimeMs` from now. */
export function touchAfterMs(lifetimeMs: number): number {
  return Math.min(TOUCH_AFTER_MS, Math.max(0, lifetimeMs) / LIFETIME_SHARE);
}

export class TouchThrottle {
  /** sid -> the expiry (Unix ms) this instance last wrote; in order of use, oldest first. */
  private readonly written = new Map<string, number>();

  constructor(private readonly capacity = TOUCH_THROTTLE_ENTRIES) {}

  /**
   * Whether a touch that sets `sid`'s expiry to `expiresAt` must write it;
   * when it must, the expiry is remembered as written (before the write
   * lands, so a burst of touches writes once; `forget` on failure).
   */
  shouldWrite(sid: string, expiresAt: number, now: number): boolean {
    const last = this.written.get(sid);
    if (last !== undefined) {
      const moved = expiresAt - last;
      if (moved >= 0 && moved < touchAfterMs(expiresAt - now)) {
        this.remember(sid, last); // still in use: the last to be forgotten
        return false;
      }
    }
    this.remember(sid, expiresAt);
    return true;
  }

  /** A save wrote the whole session with this expiry. */
  remember(sid: string, expiresAt: number): void {
    this.written.delete(sid);
    this.written.set(sid, expiresAt);
    if (this.written.size > this.capacity) this.written.delete(this.written.keys().next().value!);
  }

  /** The session is gone, or a write of it failed: the next touch writes. */
  forget(sid: string): void {
    this.written.delete(sid);
  }

  forgetAll(): void {
    this.written.clear();
  }

  get size(): number {
    return this.written.size;
  }
}
