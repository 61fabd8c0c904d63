import { CloseCode } from '../errors.js';
import type { SocketLike } from './connection.js';
import type { ManagerOptions } from './options.js';
import type { Transport } from './transport.js';

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

/** The connection a flow writes for: whether it is open, and how it closes. */
interface FlowOwner {
  readonly isOpen: boolean;
  close(code: number, reason: string): void;
}

/**
 * Everything written to one connection, under the slow-consumer rule: while
 * the client reads slower than we write (more than `shedBufferedBytes`
 * waiting), ephemeral frames are held back, only the latest per key, and
 * written once it catches up; past `maxBufferedBytes` the connection is
 * closed with 1013. Frames written in one tick leave corked together.
 */
export class OutboundFlow {
  private corked = false;
  private heldBack: Map<OutgoingFrame, OutgoingFrame> | undefined;
  /** Cancels the wait for the client to catch up (a 'drain' listener or a timer); set while frames are held back. */
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly owner: FlowOwner,
    private readonly socket: SocketLike,
    private readonly transport: Transport | undefined,
    private readonly options: Pick<ManagerOptions, 'shedBufferedBytes' | 'maxBufferedBytes' | 'drainCheckMs'>,
  ) {}

  /** A frame that must arrive (a stored message, an ack, an error): written whatever the backlog. */
  send(frame: OutgoingFrame, onWritten?: (err?: Error) => void): SendOutcome {
    if (!this.owner.isOpen) return 'closed';
    // Caught up before the wait ended: older held-back states go first, or they would overwrite newer ones.
    if (this.heldBack && !this.isBehind) {
      this.flushHeldBack();
      if (!this.owner.isOpen) return 'closed';
    }
    return this.write(frame, onWritten);
  }

  /**
   * A frame that only states the latest of something (typing, presence):
   * while the client is behind it is held back, replacing the one held
   * under the same `latestKey` (one presence state per user, one typing
   * state per typist).
   */
  sendEphemeral(frame: OutgoingFrame, latestKey: OutgoingFrame = frame): SendOutcome {
    if (!this.owner.isOpen) return 'closed';
    if (!this.isBehind) return this.send(frame);
    const held = (this.heldBack ??= new Map());
    held.delete(latestKey); // re-insert: the latest state goes last
    held.set(latestKey, frame);
    this.waitToCatchUp();
    return 'shed';
  }

  /** Ephemeral frames waiting for this slow client to catch up (latest per key). */
  get heldBackCount(): number {
    return this.heldBack?.size ?? 0;
  }

  /** Bytes written that the client has not taken yet. */
  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /** The connection closed: what was held back is dropped. */
  stop(): void {
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    this.heldBack = undefined;
  }

  /** True while the client is reading slower than we write. */
  private get isBehind(): boolean {
    return this.socket.bufferedAmount > this.options.shedBufferedBytes;
  }

  private write(frame: OutgoingFrame, onWritten?: (err?: Error) => void): SendOutcome {
    this.corkUntilNextTick();
    this.socket.send(utf8Frame(frame), TEXT, onWritten);
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.owner.close(CloseCode.try_again_later, 'slow consumer');
      return 'closed';
    }
    return 'sent';
  }

  /**
   * Frames written to this socket in the same tick (the acks and deliveries of
   * one committed batch) leave in one writev instead of one syscall each: a
   * CPU profile of the private-message benchmark had a quarter of the server's
   * time in writev. The transport is uncorked once the tick's work, promise
   * continuations included, has run; nothing waits for a timer.
   */
  private corkUntilNextTick(): void {
    const transport = this.transport;
    if (this.corked || !transport) return;
    transport.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      transport.uncork();
    });
  }

  /**
   * Checks again once the backlog may have gone: at the transport's 'drain'
   * (its buffer emptied) when it will emit one, which it does whenever the
   * backlog passed its high-water mark (16 KiB for a TCP socket, well under
   * the default shedBufferedBytes); else, a backlog smaller than that or no
   * transport at all, after `drainCheckMs`.
   */
  private waitToCatchUp(): void {
    if (this.stopWaiting) return;
    const wake = (): void => {
      this.stopWaiting = undefined;
      if (!this.owner.isOpen) return;
      if (this.isBehind) this.waitToCatchUp();
      else this.flushHeldBack();
    };
    const transport = this.transport;
    if (transport?.writableNeedDrain) {
      transport.once('drain', wake);
      this.stopWaiting = () => transport.off('drain', wake);
      return;
    }
    const timer = setTimeout(wake, this.options.drainCheckMs).unref();
    this.stopWaiting = () => clearTimeout(timer);
  }

  private flushHeldBack(): void {
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    const held = this.heldBack;
    this.heldBack = undefined;
    if (!held) return;
    for (const frame of held.values()) if (this.write(frame) === 'closed') return;
  }
}
