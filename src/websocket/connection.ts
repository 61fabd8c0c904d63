import { randomUUID } from 'node:crypto';
import { CloseCode } from '../errors.js';
import { TokenBucket } from './token-bucket.js';
import type { Identity } from './session-resolver.js';
import type { ManagerOptions } from './options.js';

const OPEN = 1;
/** Rejected frames are forgiven at `abuseTolerance` per this many seconds. */
const ABUSE_MEMORY_S = 10;
/** How often a lagging connection is checked for having caught up. */
const DRAIN_CHECK_MS = 50;

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

/** What happened to one outgoing frame. */
export type SendOutcome = 'sent' | 'shed' | 'closed';

/** A serialised frame: its JSON text, or that text already encoded by `utf8Frame`. */
export type OutgoingFrame = string | Buffer;

const TEXT = { binary: false } as const;

/**
 * The UTF-8 bytes of a serialised frame, as every frame is written. `ws`
 * counts a string in `bufferedAmount` by its UTF-16 length while the TCP
 * socket holds it (net.Socket keeps strings as they are), so 4000 × '漢'
 * (12,000 bytes) counted as 4000; bytes are counted as bytes. Encoding is the
 * work `ws` and the socket do for a string anyway (ws then skips its own
 * `Buffer.byteLength`), and a frame for many connections is encoded once.
 */
export function utf8Frame(frame: OutgoingFrame): Buffer {
  return typeof frame === 'string' ? Buffer.from(frame) : frame;
}

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
  private corked = false;
  private heldBack: Map<OutgoingFrame, OutgoingFrame> | undefined;
  /** A `sync` replay is writing to this connection (one at a time). */
  replaying = false;
  private drainTimer: NodeJS.Timeout | undefined;

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
    // Strikes are forgiven over ABUSE_MEMORY_S seconds, slower than tokens refill,
    // so a client that keeps sending even a little over the rate is closed within seconds.
    const decayed = ((now - this.lastStrike) * this.options.abuseTolerance) / (ABUSE_MEMORY_S * 1000);
    this.strikes = Math.max(0, this.strikes - decayed) + 1;
    this.lastStrike = now;
    if (this.strikes > this.options.abuseTolerance) {
      this.close(CloseCode.policy_violation, 'rate limit exceeded');
      return 'abusive';
    }
    return 'limited';
  }

  /**
   * Writes an already-serialised frame. While the client is behind, ephemeral
   * frames are held back, only the latest per `latestKey` (one presence state
   * per user, one typing state per typist), and written once it catches up.
   * A client past the hard limit is closed with 1013.
   */
  send(raw: OutgoingFrame, ephemeral: boolean, onWritten?: (err?: Error) => void, latestKey: OutgoingFrame = raw): SendOutcome {
    if (!this.isOpen) return 'closed';
    if (ephemeral && this.isBehind) {
      this.holdBack(latestKey, raw);
      return 'shed';
    }
    // Caught up before the drain check ran: older held-back states go first, or they would overwrite newer ones.
    if (this.heldBack) this.flushHeldBack();
    if (!this.isOpen) return 'closed';
    return this.write(raw, onWritten);
  }

  private write(raw: OutgoingFrame, onWritten?: (err?: Error) => void): SendOutcome {
    this.corkUntilNextTick();
    this.socket.send(utf8Frame(raw), TEXT, onWritten);
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(CloseCode.try_again_later, 'slow consumer');
      return 'closed';
    }
    return 'sent';
  }

  /**
   * Frames written to this socket in the same tick (the acks and deliveries of
   * one committed batch) leave in one writev instead of one syscall each: a
   * CPU profile of the private-message benchmark had a quarter of the server's
   * time in writev. The TCP socket is uncorked once the tick's work, promise
   * continuations included, has run; nothing waits for a timer.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    // ws keeps its net.Socket as `_socket`; a test's SocketLike has none, and then nothing is corked.
    const tcp = (this.socket as { _socket?: { cork?: () => void; uncork?: () => void } })._socket;
    if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') return;
    tcp.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      tcp.uncork!();
    });
  }

  private holdBack(key: OutgoingFrame, raw: OutgoingFrame): void {
    const held = (this.heldBack ??= new Map());
    held.delete(key); // re-insert: the latest state goes last
    held.set(key, raw);
    if (this.drainTimer) return;
    this.drainTimer = setInterval(() => this.flushHeldBack(), DRAIN_CHECK_MS);
    this.drainTimer.unref();
  }

  private flushHeldBack(): void {
    if (this.isOpen && this.isBehind) return;
    clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    const held = this.heldBack;
    this.heldBack = undefined;
    if (!held || !this.isOpen) return;
    for (const raw of held.values()) if (this.write(raw) === 'closed') return;
  }

  /** Ephemeral frames waiting for this slow client to catch up (latest per key). */
  get heldBackCount(): number {
    return this.heldBack?.size ?? 0;
  }

  /** Closes once; if the peer does not finish the closing handshake, the socket is destroyed. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.drainTimer);
    this.heldBack = undefined;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 5000).unref();
  }

  /** Bytes written to this socket that the client has not taken yet. */
  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** True while the client is reading slower than we write: ephemeral frames are held back. */
  get isBehind(): boolean {
    return this.socket.bufferedAmount > this.options.shedBufferedBytes;
  }
}
