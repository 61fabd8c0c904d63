import { cancelTimer } from '../cancel-timer.js';
import { CloseCode } from '../errors.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';

/**
 * What a broker tells the Manager when it is subscribed again after losing its
 * subscription (Broker.setResubscribedHandler): frames published meanwhile on
 * other instances never arrived here, and pub/sub keeps nothing for a
 * subscriber that was not there.
 */
export interface BrokerGap {
  /** The local sockets are closed for a resync within this many milliseconds, each at a random moment. */
  resyncWindowMs: number;
}

/** The window when a broker names none. */
export const DEFAULT_RESYNC_WINDOW_MS = 5000;

export const SERVICE_RESTART_REASON = 'missed live frames: reconnect and sync';

/**
 * After a broker gap, closes every socket open at that moment with 1012, so
 * its client reconnects and `sync`s what it missed: a message stored and acked
 * on another instance during a Redis outage reaches a recipient whose socket
 * never dropped. Spread at random over the window, so the clients of a whole
 * instance do not all reconnect (and sync) in the same moment. Sockets opened
 * after the gap subscribed first and synced since: they are left alone.
 */
export class BrokerGapResync {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly registry: ConnectionRegistry) {}

  closeAll(windowMs: number): number {
    const open = [...this.registry.all()];
    for (const conn of open) this.closeWithin(conn, windowMs);
    return open.length;
  }

  /** Shutdown: the sockets are being closed with 1001 anyway. */
  stop(): void {
    // Each of a random duration: cancelTimer leaves no empty timer list per socket until its moment.
    for (const t of this.timers) cancelTimer(t);
    this.timers.clear();
  }

  private closeWithin(conn: Connection, windowMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      conn.close(CloseCode.service_restart, SERVICE_RESTART_REASON); // nothing if it closed meanwhile
    }, Math.floor(Math.random() * windowMs));
    timer.unref();
    this.timers.add(timer);
  }
}
