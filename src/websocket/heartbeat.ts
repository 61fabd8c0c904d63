import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';

/** Pings a connection may leave unanswered; at the next beat it is terminated. */
const MAX_MISSED_PONGS = 2;

/**
 * Protocol-level keepalive (ws README, "How to detect and close broken
 * connections?"): ping every connection each interval; one that missed two
 * pongs in a row is terminated, which closes it and clears its presence.
 * The count of missed pongs lives here only: `watch` resets it on each pong.
 * The timer never keeps the process alive.
 */
export class Heartbeat {
  private readonly missedPongs = new WeakMap<Connection, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(registry: ConnectionRegistry, intervalMs: number) {
    this.timer = setInterval(() => {
      for (const conn of registry.all()) this.beat(conn);
    }, intervalMs).unref();
  }

  /** Counts the connection's pongs from now on. */
  watch(conn: Connection): void {
    conn.socket.on('pong', () => this.missedPongs.delete(conn));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private beat(conn: Connection): void {
    const missed = this.missedPongs.get(conn) ?? 0;
    if (missed >= MAX_MISSED_PONGS) {
      conn.socket.terminate();
      return;
    }
    this.missedPongs.set(conn, missed + 1);
    conn.socket.ping();
  }
}
