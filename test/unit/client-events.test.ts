import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ParlorClient, TypedEmitter } from '../../src/client/index.js';
import { MAX_TIMER_MS, TIMER_TOO_LONG } from '../../src/timer-limit.js';
import { connectAndSync, createClient, fakeNetwork, flushPromises, TEST_URL } from './client-support.js';

class Emitter extends TypedEmitter<{ ping: { n: number }; pong: string }> {
  fire<K extends 'ping' | 'pong'>(event: K, payload: { ping: { n: number }; pong: string }[K]): void {
    this.emit(event, payload);
  }
}

describe('TypedEmitter', () => {
  it('calls listeners in order until their unsubscribe function runs', () => {
    const e = new Emitter();
    const seen: string[] = [];
    const offA = e.on('ping', (p) => seen.push(`a${p.n}`));
    e.on('ping', (p) => seen.push(`b${p.n}`));
    e.fire('ping', { n: 1 });
    offA();
    e.fire('ping', { n: 2 });
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(e.listenerCount('ping')).toBe(1);
  });

  it('once fires a single time, and its remover works before it fires', () => {
    const e = new Emitter();
    const seen: string[] = [];
    e.once('pong', (p) => seen.push(p));
    const off = e.once('pong', (p) => seen.push(`never ${p}`));
    off();
    e.fire('pong', 'x');
    e.fire('pong', 'y');
    expect(seen).toEqual(['x']);
    expect(e.listenerCount('pong')).toBe(0);
  });

  it('skips a listener that an earlier listener of the same event removed', () => {
    const e = new Emitter();
    const seen: string[] = [];
    let offB = (): void => {};
    e.on('pong', () => {
      seen.push('a');
      offB();
    });
    offB = e.on('pong', () => seen.push('b'));
    e.fire('pong', 'x');
    e.fire('pong', 'y');
    expect(seen).toEqual(['a', 'a']);
  });

  it('off removes a listener added with on', () => {
    const e = new Emitter();
    const listener = vi.fn();
    e.on('pong', listener);
    e.off('pong', listener);
    e.fire('pong', 'x');
    expect(listener).not.toHaveBeenCalled();
  });

  it('a throwing listener does not stop the others; its error is rethrown on a microtask', () => {
    const queued: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((cb) => void queued.push(cb));
    try {
      const e = new Emitter();
      const after = vi.fn();
      e.on('pong', () => {
        throw new Error('listener bug');
      });
      e.on('pong', after);
      e.fire('pong', 'x');
      expect(after).toHaveBeenCalledWith('x');
      expect(queued).toHaveLength(1);
      expect(() => queued[0]!()).toThrow('listener bug');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('ParlorClient events', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits every server frame type of the contract to its own listener, frame included', () => {
    const h = createClient();
    const socket = connectAndSync(h, 1);
    const frames = [
      { type: 'broadcast', from: 9, content: 'maintenance at 5', timestamp: 3 },
      { type: 'notification', id: 4, subtype: 'group_invite', message: 'join us', timestamp: 4, group_id: 7, from: 2 },
      { type: 'receipt', message_id: 11, status: 'read', user_id: 2, timestamp: 5 },
      { type: 'presence', user_id: 2, online: true },
      { type: 'typing', from: 2, to: 1, is_typing: true },
      { type: 'ack', client_id: null, id: 12, timestamp: 6 },
      { type: 'error', code: 'rate_limited', message: 'slow down' },
      { type: 'private', id: 20, from: 2, to: 1, content: 'hi', timestamp: 7 },
      { type: 'group', id: 21, from: 2, group_id: 7, content: 'hey', timestamp: 8 },
    ];
    for (const f of frames) socket.push(f);
    const serverEvents = h.events.filter(([n]) => !['connecting', 'open', 'reconnecting', 'closed'].includes(n));
    expect(serverEvents).toEqual([
      ['welcome', { type: 'welcome', user_id: 1, timestamp: 1 }],
      ['synced', { type: 'synced', last_id: 0 }],
      ...frames.map((f) => [f.type, f]),
    ]);
    expect(h.client.userId).toBe(1);
  });

  it('ignores text that is not JSON, unknown frame types and binary noise', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const before = h.events.length;
    socket.pushRaw('not json');
    socket.pushRaw('42');
    socket.push({ type: 'from_the_future', x: 1 });
    socket.push({ type: 'private', id: 'seven', from: 2, to: 1, content: 'bad id', timestamp: 1 });
    socket.pushRaw({ some: 'object' });
    expect(h.events.length).toBe(before);
  });

  it('decodes frames given as bytes', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    socket.pushRaw(new TextEncoder().encode(JSON.stringify({ type: 'presence', user_id: 3, online: false })));
    expect(h.events.at(-1)).toEqual(['presence', { type: 'presence', user_id: 3, online: false }]);
  });

  it('reports connection states in order: connecting, open, reconnecting, connecting, open, closed', () => {
    const h = createClient();
    connectAndSync(h);
    h.net.last.drop(1001, 'server restart');
    vi.runOnlyPendingTimers();
    h.net.last.accept();
    h.client.close();
    const states = h.events.filter(([n]) => ['connecting', 'open', 'reconnecting', 'closed'].includes(n));
    expect(states).toEqual([
      ['connecting', { attempt: 0 }],
      ['open', { reconnected: false }],
      ['reconnecting', { attempt: 1, delayMs: 500, code: 1001, reason: 'server restart' }],
      ['connecting', { attempt: 1 }],
      ['open', { reconnected: true }],
      ['closed', { code: 1000, reason: '' }],
    ]);
    expect(h.client.state).toBe('closed');
  });

  it('connect() resolves with the welcome frame', async () => {
    const h = createClient();
    const welcomed = h.client.connect();
    h.net.last.accept();
    h.net.last.push({ type: 'welcome', user_id: 5, timestamp: 9 });
    await expect(welcomed).resolves.toEqual({ type: 'welcome', user_id: 5, timestamp: 9 });
    expect(h.net.sockets).toHaveLength(1);
  });

  it('connects on its own on the next microtask by default, so listeners added after construction see it', async () => {
    const net = fakeNetwork();
    const client = new ParlorClient({ url: TEST_URL, WebSocket: net.WebSocket, protocols: ['parlor.v1'] });
    const states: string[] = [];
    client.on('connecting', () => states.push('connecting'));
    expect(net.sockets).toHaveLength(0);
    await flushPromises();
    expect(states).toEqual(['connecting']);
    expect(net.sockets.map((s) => [s.url, s.protocols])).toEqual([[TEST_URL, ['parlor.v1']]]);
    client.close();
  });

  it('uses createSocket when given, so Node can pass headers', () => {
    const net = fakeNetwork();
    const createSocket = vi.fn((url: string) => new net.WebSocket(`${url}?via=factory`));
    const h = createClient({ createSocket });
    h.client.connect().catch(() => {});
    expect(createSocket).toHaveBeenCalledWith(TEST_URL);
    expect(net.sockets.map((s) => s.url)).toEqual([`${TEST_URL}?via=factory`]);
    expect(h.net.sockets).toHaveLength(0);
  });
});

describe('ParlorClient options', () => {
  it('throw at construction when they cannot work', () => {
    const WebSocket = fakeNetwork().WebSocket;
    expect(() => new ParlorClient({ url: 'not a url', WebSocket })).toThrow(/absolute ws:\/\/, wss:\/\/, http:\/\/ or https:\/\/ URL/);
    expect(() => new ParlorClient({ url: 'ftp://x/ws', WebSocket })).toThrow(/must use ws:, wss:, http: or https:/);
    expect(() => new ParlorClient({ url: TEST_URL, WebSocket, ackTimeoutMs: 0 })).toThrow(/ackTimeoutMs must be a positive number/);
    expect(() => new ParlorClient({ url: TEST_URL, WebSocket, since: -1 })).toThrow(/since must be a non-negative integer/);
    expect(() => new ParlorClient({ url: TEST_URL, WebSocket, reconnectBaseMs: 10, reconnectMaxMs: 5 })).toThrow(
      /reconnectMaxMs must be >= reconnectBaseMs/,
    );
    expect(() => new ParlorClient({ url: TEST_URL, WebSocket, maxReconnectAttempts: 1.5 })).toThrow(/maxReconnectAttempts/);
    // Timer delays past setTimeout's limit would fire at once (an ack timeout meant as "never": every send a timeout).
    for (const name of ['ackTimeoutMs', 'syncTimeoutMs', 'reconnectBaseMs', 'reconnectMaxMs', 'getTokenTimeoutMs'] as const) {
      const tooLong = name === 'reconnectBaseMs' ? { reconnectMaxMs: MAX_TIMER_MS + 1, [name]: MAX_TIMER_MS + 1 } : { [name]: MAX_TIMER_MS + 1 };
      expect(() => new ParlorClient({ url: TEST_URL, WebSocket, ...tooLong })).toThrow(new TypeError(`ParlorClient: ${name} ${TIMER_TOO_LONG}`));
      expect(() => new ParlorClient({ url: TEST_URL, WebSocket, reconnectMaxMs: MAX_TIMER_MS, [name]: MAX_TIMER_MS })).not.toThrow();
    }
    expect(() => new ParlorClient({ url: TEST_URL, WebSocket, ackTimeoutMs: Number.MAX_SAFE_INTEGER })).toThrow(TypeError);
    expect(() => new ParlorClient({ url: TEST_URL, WebSocket, sendRate: 1e-7 })).toThrow(/sendRate must be at least/);
    // Options that are functions: a string there would fail every attempt, for ever, instead of here.
    for (const [name, bad] of [['createSocket', 'x'], ['random', 0.5], ['generateClientId', 'id-1'], ['WebSocket', {}]] as const) {
      expect(() => new ParlorClient({ url: TEST_URL, WebSocket, [name]: bad } as never)).toThrow(new TypeError(`ParlorClient: ${name} must be a function`));
    }
  });

  it.each([
    ['https://chat.example/ws', 'wss://chat.example/ws'],
    ['http://127.0.0.1:3000/chat/ws?room=1', 'ws://127.0.0.1:3000/chat/ws?room=1'],
    ['wss://chat.example/ws', 'wss://chat.example/ws'],
  ])('url %s opens the socket at %s', (url, opened) => {
    const net = fakeNetwork();
    const client = new ParlorClient({ url, WebSocket: net.WebSocket, autoConnect: false });
    client.connect().catch(() => {});
    expect(net.sockets.map((s) => s.url)).toEqual([opened]);
    client.close();
  });

  it('need a WebSocket implementation when the platform has none', () => {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    vi.stubGlobal('WebSocket', undefined);
    try {
      expect(() => new ParlorClient({ url: TEST_URL })).toThrow(/no WebSocket implementation/);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(Object.getOwnPropertyDescriptor(globalThis, 'WebSocket')).toEqual(had);
  });
});
