/**
 * The events a `ParlorClient` emits: one per server frame type of the
 * contract (the listener gets the frame, `type` included), plus the
 * connection's own state changes.
 */
import type { ServerFrame, ServerFrameType } from '../websocket/protocol.js';
import type { ParlorClientError } from './errors.js';
import type { PauseReason } from './environment.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionEvents {
  /** A socket is being opened. `attempt` counts failed attempts since the last good connection (its replay over) or `connect()` (0 first). */
  connecting: { attempt: number };
  /** The socket is open; `sync` and the outbox have just been written. `reconnected`: not the first open. */
  open: { reconnected: boolean };
  /**
   * The connection was lost (or an attempt failed) and another attempt is
   * planned after `delayMs`; emitted again with `waitingFor` when the platform
   * reports the device offline or the page hidden and the attempt waits for it.
   */
  reconnecting: { attempt: number; delayMs: number; code: number; reason: string; waitingFor?: PauseReason };
  /**
   * The client stopped and will not reconnect by itself: `close()` was called
   * (no `error`), or `error` says why (logged out, policy violation, refused
   * upgrade, retries exhausted). `connect()` starts it again.
   */
  closed: { code: number; reason: string; error?: ParlorClientError };
}

export type ServerFrameEvents = { [K in ServerFrameType]: ServerFrame<K> };

export type ParlorClientEvents = ServerFrameEvents & ConnectionEvents;
