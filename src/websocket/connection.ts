import { randomUUID } from 'node:crypto';
import { CloseCode } from '../errors.js';
import { TokenBucket } from './token-bucket.js';
import type { Identity } from './session-resolver.js';
import type { ManagerOptions } from './options.js';

const OPEN = 1;

/** The part of a `ws` WebSocket the Manager uses; a test may pass any object with this shape. */
export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** What happened to one outgoing frame. */
export type SendOutcome = 'sent' | 'shed' | 'closed';

/**
 * One open socket of one user: its identity, its rate limit, its heartbeat
 * state, and the slow-consumer rule for everything written to it.
 */
export class Connection {
  readonly id = randomUUID();
  readonly userId: number;
  missedPongs = 0;
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private lastStrike: number;
  private closing = false;

  constructor(
    readonly socket: SocketLike,
    readonly identity: Identity,
    private readonly options: ManagerOptions,
  ) {
    this.userId = identity.userId;
    this.bucket = new TokenBucket(options.rateLimit, options.rateBurst, options.now);
    this.lastStrike = options.now();
  }

  get isOpen(): boolean {
    return !this.closing && this.socket.readyState === OPEN;
  }

  /**
   * Counts one incoming frame against the rate limit. Returns 'ok', 'limited'
   * (answer with rate_limited) or 'abusive' (the connection has been closed with 1008).
   */
  admitFrame(): 'ok' | 'limited' | 'abusive' {
    if (this.bucket.take()) return 'ok';
    const now = this.options.now();
    const decayed = ((now - this.lastStrike) * this.options.rateLimit) / 1000;
    this.strikes = Math.max(0, this.strikes - decayed) + 1;
    this.lastStrike = now;
    if (this.strikes > this.options.abuseTolerance) {
      this.close(CloseCode.policy_violation, 'rate limit exceeded');
      return 'abusive';
    }
    return 'limited';
  }

  /**
   * Writes an already-serialised frame. Ephemeral frames are shed while the
   * client is behind; a client past the hard limit is closed with 1013.
   */
  send(raw: string, ephemeral: boolean, onWritten?: (err?: Error) => void): SendOutcome {
    if (!this.isOpen) return 'closed';
    if (ephemeral && this.socket.bufferedAmount > this.options.shedBufferedBytes) return 'shed';
    this.socket.send(raw, onWritten);
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(CloseCode.try_again_later, 'slow consumer');
      return 'closed';
    }
    return 'sent';
  }

  /** Closes once; if the peer does not finish the closing handshake, the socket is destroyed. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 5000).unref();
  }

  /** True while the client is reading slower than we write; `sync` waits for it. */
  get isBehind(): boolean {
    return this.socket.bufferedAmount > this.options.shedBufferedBytes;
  }
}
