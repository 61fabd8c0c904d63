/**
 * Test doubles for the Manager's three injected interfaces and for a `ws`
 * socket. Every interface method is a `vi.fn` wrapping a small in-memory
 * implementation, so a test can both rely on realistic behaviour and
 * override one call (`mockRejectedValueOnce`, `mockImplementationOnce`).
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import type { Page, PageQuery } from '../../src/types.js';
import type { SocketLike } from '../../src/websocket/connection.js';
import type { GroupMemberFetcher } from '../../src/websocket/group-member-fetcher.js';
import { Manager } from '../../src/websocket/manager.js';
import type {
  MessagePersister,
  ReadResult,
  SaveGroupInput,
  SavePrivateInput,
  Saved,
} from '../../src/websocket/message-persister.js';
import type { ManagerOptions } from '../../src/websocket/options.js';
import {
  isGroupMessage,
  type GroupMessage,
  type Message,
  type Notification,
  type PrivateMessage,
  type ServerFrame,
  type ServerFrameType,
} from '../../src/websocket/protocol.js';
import type { Identity, SessionResolver } from '../../src/websocket/session-resolver.js';

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
  /** Add the length of every sent frame to `bufferedAmount` (a client that never reads). Default false. */
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
  /** Every string passed to `send`, in order. */
  readonly sent: string[] = [];
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

  send(data: string, cb?: (err?: Error) => void): void {
    if (this.readyState !== OPEN) {
      if (cb) setImmediate(() => cb(new Error(`WebSocket is not open: readyState ${this.readyState}`)));
      return;
    }
    this.sent.push(data);
    if (this.opts.growBuffer) this.bufferedAmount += Buffer.byteLength(data);
    this.outbox.emit('frame', JSON.parse(data) as AnyServerFrame);
    if (cb) setImmediate(() => cb(this.writeError));
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

// ---- injected interfaces ----------------------------------------------------

export function mockSessionResolver(identity: Identity | null = null) {
  return { resolve: vi.fn<SessionResolver['resolve']>(() => identity) };
}

export interface GroupSpec {
  accepted: number[];
  invited?: number[];
}

/**
 * Groups by id. `contactsOf` answers from `contacts` when the user is listed
 * there, else derives contacts from shared accepted groups.
 */
export function mockGroupMemberFetcher(groups: Record<number, GroupSpec> = {}, contacts: Record<number, number[]> = {}) {
  const table = new Map<number, GroupSpec>(Object.entries(groups).map(([id, g]) => [Number(id), g]));
  const fetcher = {
    groups: table,
    acceptedMembers: vi.fn((groupId: number): readonly number[] | null => {
      const g = table.get(groupId);
      return g ? [...g.accepted] : null;
    }),
    contactsOf: vi.fn((userId: number): readonly number[] => {
      const listed = contacts[userId];
      if (listed) return [...listed];
      const out = new Set<number>();
      for (const g of table.values()) {
        if (g.accepted.includes(userId)) for (const u of g.accepted) if (u !== userId) out.add(u);
      }
      return [...out];
    }),
  } satisfies Required<GroupMemberFetcher> & { groups: Map<number, GroupSpec> };
  return fetcher;
}
export type MockGroupMemberFetcher = ReturnType<typeof mockGroupMemberFetcher>;

export interface MockPersisterOptions {
  /** Used by `messagesSince` to decide which group messages a user may see. */
  groups?: MockGroupMemberFetcher;
  /** When given, `savePrivate` to a user not in this list throws ParlorError('not_found'). */
  knownUsers?: number[];
  now?: () => number;
}

/**
 * An in-memory MessagePersister with every optional method. Ids increase
 * across messages; (from, client_id) is idempotent; delivery and read state
 * are remembered so `markDelivered` answers true once.
 */
export function mockPersister(options: MockPersisterOptions = {}) {
  const now = options.now ?? Date.now;
  const messages: Message[] = [];
  const notifications: Notification[] = [];
  const byClientId = new Map<string, Message>();
  const delivered = new Set<string>();
  const readMarkers = new Map<string, number>();
  let nextId = 1;
  let nextNotificationId = 1;

  const idempotent = <M extends Message>(from: number, clientId: string | undefined, create: () => M): Saved<M> => {
    const key = clientId === undefined ? undefined : `${from}:${clientId}`;
    const earlier = key === undefined ? undefined : byClientId.get(key);
    if (earlier) return { message: earlier as M, duplicate: true };
    const message = create();
    messages.push(message);
    if (key !== undefined) byClientId.set(key, message);
    return { message, duplicate: false };
  };

  const page = <M extends Message>(rows: M[], q: PageQuery): Page<M> => {
    const newestFirst = rows.filter((m) => q.before === undefined || m.id < q.before).sort((a, b) => b.id - a.id);
    const offset = q.offset ?? 0;
    return { items: newestFirst.slice(offset, offset + q.limit), hasMore: newestFirst.length > offset + q.limit };
  };

  const canSee = (userId: number, m: Message): boolean => {
    if (!isGroupMessage(m)) return m.from === userId || m.to === userId;
    return options.groups?.groups.get(m.group_id)?.accepted.includes(userId) ?? false;
  };

  const persister = {
    messages,
    notifications,
    savePrivate: vi.fn(async (input: SavePrivateInput): Promise<Saved<PrivateMessage>> => {
      if (options.knownUsers && !options.knownUsers.includes(input.to)) {
        throw new ParlorError('not_found', `user ${input.to} does not exist`);
      }
      return idempotent(input.from, input.clientId, () => ({
        id: nextId++,
        from: input.from,
        to: input.to,
        content: input.content,
        timestamp: now(),
      }));
    }),
    saveGroup: vi.fn(async (input: SaveGroupInput): Promise<Saved<GroupMessage>> =>
      idempotent(input.from, input.clientId, () => ({
        id: nextId++,
        from: input.from,
        group_id: input.groupId,
        content: input.content,
        timestamp: now(),
      })),
    ),
    saveNotification: vi.fn(
      async (userId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> => {
        const n: Notification = { ...data, id: nextNotificationId++, subtype, message, timestamp: now() };
        notifications.push({ ...n, user_id: userId });
        return n;
      },
    ),
    privateHistory: vi.fn(async (userId: number, otherId: number, q: PageQuery): Promise<Page<PrivateMessage>> => {
      const rows = messages.filter(
        (m): m is PrivateMessage =>
          !isGroupMessage(m) && ((m.from === userId && m.to === otherId) || (m.from === otherId && m.to === userId)),
      );
      return page(rows, q);
    }),
    groupHistory: vi.fn(async (groupId: number, q: PageQuery): Promise<Page<GroupMessage>> =>
      page(messages.filter((m): m is GroupMessage => isGroupMessage(m) && m.group_id === groupId), q),
    ),
    messagesSince: vi.fn(async (userId: number, sinceId: number, limit: number): Promise<Message[]> =>
      messages
        .filter((m) => m.id > sinceId && canSee(userId, m))
        .sort((a, b) => a.id - b.id)
        .slice(0, limit),
    ),
    markDelivered: vi.fn(async (messageId: number, recipientId: number): Promise<boolean> => {
      const key = `${messageId}:${recipientId}`;
      if (delivered.has(key)) return false;
      delivered.add(key);
      return true;
    }),
    markRead: vi.fn(async (userId: number, messageId: number): Promise<ReadResult | null> => {
      const m = messages.find((x) => x.id === messageId);
      if (!m || isGroupMessage(m) || m.to !== userId) return null;
      readMarkers.set(`u${userId}:from${m.from}`, Math.max(readMarkers.get(`u${userId}:from${m.from}`) ?? 0, m.id));
      return { senderId: m.from, messageId: m.id };
    }),
    markGroupRead: vi.fn(async (userId: number, groupId: number, messageId: number): Promise<boolean> => {
      const m = messages.find((x) => x.id === messageId);
      if (!m || !isGroupMessage(m) || m.group_id !== groupId) return false;
      readMarkers.set(`u${userId}:g${groupId}`, Math.max(readMarkers.get(`u${userId}:g${groupId}`) ?? 0, m.id));
      return true;
    }),
  } satisfies Required<MessagePersister> & { messages: Message[]; notifications: Notification[] };
  return persister;
}
export type MockPersister = ReturnType<typeof mockPersister>;

// ---- a Manager wired to the mocks -------------------------------------------

export interface HarnessOptions {
  groups?: Record<number, GroupSpec>;
  contacts?: Record<number, number[]>;
  knownUsers?: number[];
  options?: Partial<ManagerOptions>;
}

/**
 * A Manager built with plain `new` over the mocks, plus `connect(userId)`
 * which hands it a fresh FakeSocket. Call `stop()` in afterEach.
 */
export function createHarness(h: HarnessOptions = {}) {
  const resolver = mockSessionResolver();
  const groups = mockGroupMemberFetcher(h.groups, h.contacts);
  const persister = mockPersister({ groups, knownUsers: h.knownUsers, now: h.options?.now });
  const manager = new Manager(resolver, groups, persister, h.options ?? {});
  const sockets: FakeSocket[] = [];

  const connect = (userId: number, extra: Partial<Identity> & FakeSocketOptions = {}): FakeSocket => {
    const { autoPong, autoCloseHandshake, growBuffer, ...identity } = extra;
    const socket = new FakeSocket({ autoPong, autoCloseHandshake, growBuffer });
    sockets.push(socket);
    manager.addConnection(socket, { userId, via: 'cookie', ...identity });
    return socket;
  };

  const stop = async (): Promise<void> => {
    await manager.close();
    for (const s of sockets) s.peerClose(1001);
  };

  return { manager, resolver, groups, persister, connect, sockets, stop };
}
export type Harness = ReturnType<typeof createHarness>;
