import { randomUUID } from 'node:crypto';
import { CloseCode } from '../errors.js';
import { ArrivalOrder } from './arrival-order.js';
import { FrameAdmission, type Admission } from './frame-admission.js';
import type { ManagerOptions } from './options.js';
import { OutboundFlow, type OutgoingFrame, type SendOutcome } from './outbound-flow.js';
import type { Identity } from './session-resolver.js';
import type { Transport } from './transport.js';

const OPEN = 1;

/** The part of a `ws` WebSocket the Manager uses; a test may pass any object with this shape. */
export interface SocketLike {
  readonly readyState: number;
  /** Bytes written and not yet handed to the kernel (ws: the TCP socket's writable length plus its own queue). */
  readonly bufferedAmount: number;
  /** Frames arrive as UTF-8 bytes with `{binary: false}`: text frames (see `utf8Frame`). */
  send(data: Buffer, options: { binary: boolean }, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * One open socket of one user: who it is, what it may send (FrameAdmission),
 * the order its messages are stored in (ArrivalOrder), what is written to it
 * (OutboundFlow), and how it closes.
 */
export class Connection {
  readonly id = randomUUID();
  readonly userId: number;
  /** A `sync` replay is writing to this connection (one at a time). */
  replaying = false;
  /** The version of the bearer token this socket holds (the one it opened with, or its latest `refresh`); see Identity.tokenVersion. */
  tokenVersion: number | undefined;
  /** Its messages reach the store in the order their frames arrived (ArrivalOrder). */
  readonly arrivals = new ArrivalOrder();
  private closing = false;
  private readonly admission: FrameAdmission;
  private readonly outbound: OutboundFlow;

  constructor(
    readonly socket: SocketLike,
    readonly identity: Identity,
    private readonly options: ManagerOptions,
    transport?: Transport,
  ) {
    this.userId = identity.userId;
    this.tokenVersion = identity.tokenVersion;
    this.admission = new FrameAdmission(options);
    this.outbound = new OutboundFlow(this, socket, transport, options);
  }

  get isOpen(): boolean {
    return !this.closing && this.socket.readyState === OPEN;
  }

  /** Counts one incoming frame against the rate limit; an abusive client has been closed with 1008 when this returns. */
  admitFrame(): Admission {
    const admission = this.admission.admit();
    if (admission === 'abusive') this.close(CloseCode.policy_violation, 'rate limit exceeded');
    return admission;
  }

  /** Writes a frame that must arrive; see OutboundFlow.send. */
  send(frame: OutgoingFrame, onWritten?: (err?: Error) => void): SendOutcome {
    return this.outbound.send(frame, onWritten);
  }

  /** Writes a typing or presence frame, held back while the client is behind; see OutboundFlow.sendEphemeral. */
  sendEphemeral(frame: OutgoingFrame, latestKey?: OutgoingFrame): SendOutcome {
    return this.outbound.sendEphemeral(frame, latestKey);
  }

  /** Ephemeral frames waiting for this slow client to catch up (latest per key). */
  get heldBackCount(): number {
    return this.outbound.heldBackCount;
  }

  /** Bytes written to this socket that the client has not taken yet. */
  get bufferedBytes(): number {
    return this.outbound.bufferedBytes;
  }

  /**
   * Closes once; if the peer does not finish the closing handshake within
   * `closeTimeoutMs`, the socket is destroyed. A handshake that finishes
   * clears that timer, so a closed Manager leaves none behind (a test's fake
   * timers would otherwise terminate sockets long closed).
   */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.outbound.stop();
    this.socket.close(code, reason);
    const deadline = setTimeout(() => this.socket.terminate(), this.options.closeTimeoutMs).unref();
    this.socket.on('close', () => clearTimeout(deadline));
  }
}
