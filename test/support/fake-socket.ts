/**
 * A fake `ws` socket for driving the Manager without a network, with the
 * helpers that read what it was sent, and two promise helpers for the tests
 * that use it. Re-exported by `mocks.ts`.
 */
import { EventEmitter } from 'node:events';
import type { SocketLike } from '../../src/websocket/connection.js';
import type { ServerFrame, ServerFrameType } from '../../src/websocket/protocol.js';

/** Any server frame, as a union discriminated by `type`. */
export type AnyServerFrame = { [K in ServerFrameType]: ServerFrame<K> }[ServerFrameType];

// ---- promises ---------------------------------------------------------------

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** A promise the test settles by hand: proves that something waits for it. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Lets every queued promise chain and `setImmediate` callback run (the fake
 * socket reports writes on `setImmediate`). Use before asserting that
 * something did NOT happen; for things that must happen, prefer `vi.waitFor`.
 */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

// ---- fake socket ------------------------------------------------------------

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export interface FakeSocketOptions {
  /** Answer every ping with a pong (a live client). Default false. */
  autoPong?: boolean;
  /** Finish the closing handshake by itself after `close()`. Default true; false models a peer that never answers. */
  autoCloseHandshake?: boolean;
  /**
   * A client that reads nothing until told: every sent frame adds its bytes to
   * `bufferedAmount` and its write callback waits for `drain()` (the client
   * read everything), or fails when the socket closes, as with `ws`. Default
   * false: write callbacks fire on `setImmediate`.
   */
  growBuffer?: boolean;
}

/**
 * A `SocketLike` that records what the server writes and lets the test play
 * the client: `receive(frame)` emits 'message' exactly as `ws` does (a Buffer
 * and `isBinary`), write callbacks fire on `setImmediate` like `ws`, and
 * `close()` moves to CLOSING, then (by default) to CLOSED with a 'close' event.
 */
export class FakeSocket extends EventEmitter implements SocketLike {
  readyState = OPEN;
  bufferedAmount = 0;
  /** Every frame passed to `send`, as text, in order. */
  readonly sent: string[] = [];
  /** Write callbacks waiting for `drain()` (with `growBuffer`). */
  private unread: Array<(err?: Error) => void> = [];
  closeCode: number | undefined;
  closeReason: string | undefined;
  terminated = false;
  pings = 0;
  /** When set, write callbacks report this error (the write failed). */
  writeError: Error | undefined;
  /** Emits 'frame' with the parsed frame after each send; `nextFrame` listens here. */
  readonly outbox = new EventEmitter();
  /** How many frames of each type `nextFrame` has handed out. */
  readonly consumed = new Map<string, number>();
  private readonly opts: Required<FakeSocketOptions>;

  constructor(options: FakeSocketOptions = {}) {
    super();
    this.opts = {
      autoPong: options.autoPong ?? false,
      autoCloseHandshake: options.autoCloseHandshake ?? true,
      growBuffer: options.growBuffer ?? false,
    };
  }

  send(data: Buffer, options: { binary: boolean }, cb?: (err?: Error) => void): void {
    if (this.readyState !== OPEN) {
      if (cb) setImmediate(() => cb(new Error(`WebSocket is not open: readyState ${this.readyState}`)));
      return;
    }
    if (options.binary) throw new Error('the server sends text frames only');
    const text = data.toString('utf8');
    this.sent.push(text);
    if (this.opts.growBuffer) {
      this.bufferedAmount += data.length;
      if (cb) this.unread.push(cb);
    } else if (cb) {
      setImmediate(() => cb(this.writeError));
    }
    this.outbox.emit('frame', JSON.parse(text) as AnyServerFrame);
  }

  /** The client reads everything buffered (with `growBuffer`): the buffer empties and waiting write callbacks fire. */
  drain(): void {
    this.bufferedAmount = 0;
    this.flushUnread(this.writeError);
  }

  private flushUnread(err?: Error): void {
    const callbacks = this.unread;
    this.unread = [];
    for (const cb of callbacks) cb(err);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    this.closeCode = code;
    this.closeReason = reason;
    if (this.opts.autoCloseHandshake) setImmediate(() => this.finishClose(code ?? 1005, reason ?? ''));
  }

  terminate(): void {
    this.terminated = true;
    this.finishClose(1006, '');
  }

  ping(): void {
    this.pings++;
    if (this.opts.autoPong && this.readyState === OPEN) setImmediate(() => this.emit('pong', Buffer.alloc(0)));
  }

  // ---- the client's side ----

  /** The client sends a text frame: an object is JSON-encoded, a string is sent as-is. */
  receive(frame: unknown): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.emit('message', Buffer.from(text, 'utf8'), false);
  }

  receiveBinary(bytes: Buffer): void {
    this.emit('message', bytes, true);
  }

  /** The client closes the connection (or the network drops it). */
  peerClose(code = 1000): void {
    this.finishClose(code, '');
  }

  /** Every frame written so far, parsed. */
  frames(): AnyServerFrame[] {
    return this.sent.map((s) => JSON.parse(s) as AnyServerFrame);
  }

  get isClosed(): boolean {
    return this.readyState === CLOSED;
  }

  private finishClose(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.flushUnread(new Error('the socket was closed before the frame was written'));
    this.emit('close', code, Buffer.from(reason));
  }
}

/** The frames of one type a socket was sent, parsed, in order. */
export function framesOf<T extends ServerFrameType>(socket: FakeSocket, type: T): ServerFrame<T>[] {
  return socket.frames().filter((f) => f.type === type) as unknown as ServerFrame<T>[];
}

/** Everything but `welcome`, which every test socket gets first. */
export function framesAfterWelcome(socket: FakeSocket): AnyServerFrame[] {
  return socket.frames().filter((f) => f.type !== 'welcome');
}

/**
 * Resolves with the next frame of `type` this socket was sent that no earlier
 * `nextFrame` call returned: frames written synchronously, before the call,
 * count too. Each socket keeps one read cursor per type.
 */
export function nextFrame<T extends ServerFrameType>(socket: FakeSocket, type: T, timeoutMs = 1000): Promise<ServerFrame<T>> {
  const index = socket.consumed.get(type) ?? 0;
  socket.consumed.set(type, index + 1);
  const ready = framesOf(socket, type)[index];
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.outbox.off('frame', onFrame);
      reject(new Error(`no ${type} frame #${index + 1} within ${timeoutMs} ms; got ${socket.sent.join(' ')}`));
    }, timeoutMs);
    const onFrame = () => {
      const frame = framesOf(socket, type)[index];
      if (!frame) return;
      clearTimeout(timer);
      socket.outbox.off('frame', onFrame);
      resolve(frame);
    };
    socket.outbox.on('frame', onFrame);
  });
}
