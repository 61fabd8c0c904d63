import { cancelTimer } from '../cancel-timer.js';
import { MAX_TIMER_MS } from '../timer-limit.js';
import type { Connection } from './connection.js';

/**
 * One timer per connection whose credential ends (a bearer token's `exp`):
 * when it fires, `onExpired` closes the connection. A `refresh` moves it.
 * Timers never keep the process alive, and each has a duration of its own
 * (`exp - now`): cancelTimer clears them, or Node would keep an empty timer
 * list per closed token socket until its token's expiry.
 */
export class CredentialDeadlines {
  private readonly timers = new Map<Connection, NodeJS.Timeout>();
  private readonly ends = new Map<Connection, number>();

  constructor(
    private readonly now: () => number,
    private readonly onExpired: (conn: Connection) => void,
  ) {}

  /** Sets or moves the connection's deadline (Unix ms); one already past fires at once. */
  set(conn: Connection, at: number): void {
    this.clear(conn);
    this.ends.set(conn, at);
    const arm = (): void => {
      const left = at - this.now();
      if (left <= 0) {
        this.timers.delete(conn);
        this.ends.delete(conn);
        this.onExpired(conn);
        return;
      }
      const timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      timer.unref();
      this.timers.set(conn, timer);
    };
    arm();
  }

  /** When the connection's credential ends (Unix ms), while its deadline is armed. */
  endOf(conn: Connection): number | undefined {
    return this.ends.get(conn);
  }

  clear(conn: Connection): void {
    cancelTimer(this.timers.get(conn));
    this.timers.delete(conn);
    this.ends.delete(conn);
  }

  clearAll(): void {
    for (const timer of this.timers.values()) cancelTimer(timer);
    this.timers.clear();
    this.ends.clear();
  }

  /** Connections with a deadline armed (observability and tests). */
  get size(): number {
    return this.timers.size;
  }
}
