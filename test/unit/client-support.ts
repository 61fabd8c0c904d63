/**
 * Test support for the client unit tests: a fake WebSocket driven from the
 * "server" side, a fake platform (navigator.onLine, document visibility), and
 * a client factory wired to both. Shared by every test/unit/client-*.test.ts.
 */
import { ParlorClient, type ClientEnvironment, type ParlorClientOptions, type WebSocketLike } from '../../src/client/index.js';

type Handler<E> = ((event: E) => void) | null;

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  /** Every frame the client wrote, as text. */
  readonly sent: string[] = [];
  readonly closeCalls: { code?: number; reason?: string }[] = [];
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    this.readyState = 2;
  }

  /** The frames the client wrote, parsed. */
  frames(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  // ---- the server side ------------------------------------------------------

  /** The upgrade succeeded. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.({ type: 'open' });
  }

  /** The server sends a frame. */
  push(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  pushRaw(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** The connection ends with `code`. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** The upgrade is refused with an HTTP status, reported the way the ws package does. */
  refuse(status: number): void {
    const message = `Unexpected server response: ${status}`;
    this.onerror?.({ type: 'error', message, error: new Error(message) });
    this.drop(1006);
  }
}

export interface FakeNetwork {
  WebSocket: new (url: string, protocols?: string | string[]) => FakeSocket;
  sockets: FakeSocket[];
  /** The most recently created socket. */
  readonly last: FakeSocket;
}

export function fakeNetwork(): FakeNetwork {
  const sockets: FakeSocket[] = [];
  class TrackedSocket extends FakeSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return {
    WebSocket: TrackedSocket,
    sockets,
    get last() {
      const s = sockets.at(-1);
      if (!s) throw new Error('no socket was created');
      return s;
    },
  };
}

export interface FakePlatform {
  environment: ClientEnvironment;
  goOffline(): void;
  goOnline(): void;
  hide(): void;
  show(): void;
  /** Listeners currently registered on the window and on the document. */
  listenerCount(): number;
}

export function fakePlatform(initial: { onLine?: boolean; visibilityState?: 'visible' | 'hidden' } = {}): FakePlatform {
  const windowListeners = new Map<string, Set<() => void>>();
  const documentListeners = new Map<string, Set<() => void>>();
  const target = (map: Map<string, Set<() => void>>) => ({
    addEventListener(type: string, l: () => void) {
      if (!map.has(type)) map.set(type, new Set());
      map.get(type)!.add(l);
    },
    removeEventListener(type: string, l: () => void) {
      map.get(type)?.delete(l);
    },
  });
  const dispatch = (map: Map<string, Set<() => void>>, type: string) => {
    for (const l of [...(map.get(type) ?? [])]) l();
  };
  const navigator = { onLine: initial.onLine ?? true };
  const document = { visibilityState: initial.visibilityState ?? 'visible', ...target(documentListeners) };
  const count = (map: Map<string, Set<() => void>>) => [...map.values()].reduce((n, s) => n + s.size, 0);
  return {
    environment: { navigator, document, ...target(windowListeners) },
    goOffline() {
      navigator.onLine = false;
      dispatch(windowListeners, 'offline');
    },
    goOnline() {
      navigator.onLine = true;
      dispatch(windowListeners, 'online');
    },
    hide() {
      document.visibilityState = 'hidden';
      dispatch(documentListeners, 'visibilitychange');
    },
    show() {
      document.visibilityState = 'visible';
      dispatch(documentListeners, 'visibilitychange');
    },
    listenerCount: () => count(windowListeners) + count(documentListeners),
  };
}

export interface ClientHarness {
  client: ParlorClient;
  net: FakeNetwork;
  platform: FakePlatform;
  /** Every event the client emitted, in order, as [name, payload]. */
  events: [string, unknown][];
}

export const TEST_URL = 'ws://parlor.test/ws';

/**
 * A client on a fake network and platform, not yet connected: `random` is
 * 0.5 and client ids are `c1`, `c2`... unless overridden.
 */
export function createClient(overrides: Partial<ParlorClientOptions> = {}, platform = fakePlatform()): ClientHarness {
  const net = fakeNetwork();
  let n = 0;
  const client = new ParlorClient({
    url: TEST_URL,
    WebSocket: net.WebSocket,
    autoConnect: false,
    environment: platform.environment,
    random: () => 0.5,
    generateClientId: () => `c${++n}`,
    ...overrides,
  });
  const events: [string, unknown][] = [];
  const names = [
    'connecting', 'open', 'reconnecting', 'closed',
    'welcome', 'private', 'group', 'broadcast', 'notification', 'ack', 'receipt', 'presence', 'typing', 'synced', 'error',
  ] as const;
  for (const name of names) client.on(name, (payload) => events.push([name, payload]));
  return { client, net, platform, events };
}

/** Start connecting, ignoring the `connect()` promise (tests that want it call `connect()` themselves). */
export function startConnecting(client: ParlorClient): void {
  client.connect().catch(() => {});
}

/** Connect, accept, say welcome and finish the initial sync with nothing to replay. */
export function connectAndSync(h: ClientHarness, userId = 1): FakeSocket {
  startConnecting(h.client);
  const socket = h.net.last;
  socket.accept();
  socket.push({ type: 'welcome', user_id: userId, timestamp: 1 });
  socket.push({ type: 'synced', last_id: h.client.lastSeenId });
  return socket;
}

export function privateMessage(id: number, extra: Partial<{ from: number; to: number; content: string }> = {}) {
  return { type: 'private', id, from: 2, to: 1, content: `m${id}`, timestamp: 1000 + id, ...extra };
}

export function groupMessage(id: number, groupId = 7) {
  return { type: 'group', id, from: 2, group_id: groupId, content: `g${id}`, timestamp: 1000 + id };
}

/** The same message as a `sync` replay sends it. */
export function replayed<T extends object>(message: T): T & { replayed: true } {
  return { ...message, replayed: true };
}

/** Ids of the private/group messages the app received, in order. */
export function deliveredIds(events: [string, unknown][]): number[] {
  return events.filter(([name]) => name === 'private' || name === 'group').map(([, p]) => (p as { id: number }).id);
}

/** Let promise callbacks run. */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
