import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_MANAGER_OPTIONS, resolveManagerOptions } from '../../src/websocket/options.js';
import type { Saved } from '../../src/websocket/message-persister.js';
import type { PrivateMessage } from '../../src/websocket/protocol.js';
import { createHarness, deferred, framesAfterWelcome, framesOf, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const contacts = { 1: [], 2: [], 3: [] };

describe('Manager: options', () => {
  it('defaults to the limits of the contract', () => {
    expect(DEFAULT_MANAGER_OPTIONS).toMatchObject({
      rateLimit: 20,
      rateBurst: 40,
      maxBufferedBytes: 4 * 1024 * 1024,
      maxFrameBytes: 65536,
      heartbeatIntervalMs: 30_000,
      typingTimeoutMs: 3000,
    });
  });

  it('holds back typing and presence from a quarter of maxBufferedBytes unless shedBufferedBytes is given (MAX_BUFFERED_BYTES, docs/operations.md)', () => {
    expect(resolveManagerOptions().shedBufferedBytes).toBe(1024 * 1024);
    expect(resolveManagerOptions({ maxBufferedBytes: 256 * 1024 }).shedBufferedBytes).toBe(64 * 1024);
    expect(resolveManagerOptions({ maxBufferedBytes: 16 * 1024 * 1024 }).shedBufferedBytes).toBe(4 * 1024 * 1024);
    expect(resolveManagerOptions({ maxBufferedBytes: 16 * 1024 * 1024, shedBufferedBytes: 1000 }).shedBufferedBytes).toBe(1000);
    expect(() => resolveManagerOptions({ maxBufferedBytes: 1000, shedBufferedBytes: 2000 })).toThrow(/must not exceed/);
  });
});

describe('Manager: close()', () => {
  /** Users 1 and 2 connected, and 1's message 'last words' (client_id 'lw') in its store write until `finish()`. */
  async function aWriteInFlight() {
    h = createHarness({ contacts });
    const write = deferred<Saved<PrivateMessage>>();
    h.persister.savePrivate.mockImplementationOnce(() => write.promise);
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: 'last words', client_id: 'lw' });
    await settle();
    const finish = () => write.resolve({ message: { id: 8, from: 1, to: 2, content: 'last words', timestamp: 5 }, duplicate: false });
    return { a, b, finish };
  }

  it('waits for an in-flight store write, acks it, then closes every socket with 1001', async () => {
    const { a, b, finish } = await aWriteInFlight();

    let closed = false;
    const closing = h.manager.close().then(() => (closed = true));
    await settle();
    expect(h.manager.isRunning).toBe(false);
    expect(closed).toBe(false);
    expect(a.closeCode).toBeUndefined();
    expect(b.closeCode).toBeUndefined();

    finish();
    await closing;
    // The fake socket drops writes after close(): the ack and the routed frame were written before it.
    expect(framesOf(a, 'ack')).toEqual([{ type: 'ack', client_id: 'lw', id: 8, timestamp: 5 }]);
    expect(framesOf(b, 'private')).toEqual([{ type: 'private', id: 8, from: 1, to: 2, content: 'last words', timestamp: 5 }]);
    for (const s of [a, b]) {
      expect(s.closeCode).toBe(1001);
      expect(s.closeReason).toBe('server shutting down');
    }
  });

  it('takes no frame once closing: nothing more is stored or answered, so clients that keep sending cannot hold the shutdown off', async () => {
    const { a, finish } = await aWriteInFlight();
    const closing = h.manager.close();
    // Sent while the first write is still in flight: without the rule, each would be one more write to wait for.
    for (let i = 0; i < 5; i++) a.receive({ type: 'private', to: 2, content: `late ${i}`, client_id: `late${i}` });
    a.receive({ type: 'sync', since: 0 });
    await settle();
    finish();
    await closing;

    expect(h.persister.savePrivate).toHaveBeenCalledTimes(1);
    expect(h.persister.messagesSince).not.toHaveBeenCalled();
    // The frame admitted before close() is acked; the late ones get nothing (no ack, no error): the client resends them after reconnecting.
    expect(framesAfterWelcome(a).map((f) => [f.type, 'client_id' in f ? f.client_id : undefined])).toEqual([['ack', 'lw']]);
    expect(a.closeCode).toBe(1001);
  });

  it('closes connections added while closing or after close with 1001, without a welcome', async () => {
    h = createHarness({ contacts });
    const write = deferred<Saved<PrivateMessage>>();
    h.persister.savePrivate.mockImplementationOnce(() => write.promise);
    const a = h.connect(1);
    a.receive({ type: 'private', to: 2, content: 'x' });
    await settle();
    const closing = h.manager.close();
    const during = h.connect(2);
    write.resolve({ message: { id: 1, from: 1, to: 2, content: 'x', timestamp: 1 }, duplicate: false });
    await closing;
    const after = h.connect(3);
    for (const s of [during, after]) {
      expect(s.closeCode).toBe(1001);
      expect(s.sent).toEqual([]);
    }
    await settle();
    expect(h.manager.connectionCount).toBe(0);
  });

  it('a second close() while the first is draining resolves only once the writes are done and the sockets closed', async () => {
    const { a, finish } = await aWriteInFlight();
    const first = h.manager.close();
    let secondDone = false;
    const second = h.manager.close().then(() => (secondDone = true));
    await settle();
    expect(secondDone).toBe(false);
    expect(a.closeCode).toBeUndefined();
    finish();
    await Promise.all([first, second]);
    expect(a.closeCode).toBe(1001);
  });

  it('can be called twice', async () => {
    h = createHarness({ contacts });
    h.connect(1);
    await Promise.all([h.manager.close(), h.manager.close()]);
    await h.manager.close();
    expect(h.manager.isRunning).toBe(false);
  });
});

describe('Manager: a session signed in as another user', () => {
  it("closes the sockets the session opened as the earlier user with 4401, and only those", async () => {
    h = createHarness({ contacts });
    const shared = [h.connect(1, { sessionId: 'shared' }), h.connect(1, { sessionId: 'shared' })];
    const own = h.connect(1, { sessionId: 'own' });
    const token = h.connect(1, { via: 'token' });
    for (const s of shared) expect(s.closeCode).toBeUndefined(); // the same user's sockets never end each other
    const next = h.connect(2, { sessionId: 'shared' });
    for (const s of shared) {
      expect(s.closeCode).toBe(4401);
      expect(s.closeReason).toBe('logged out');
    }
    for (const s of [own, token, next]) expect(s.closeCode).toBeUndefined();
    await settle();
    expect(h.manager.connectionCount).toBe(3);
  });

  it('ends the second user in turn when the session signs in as the first again', async () => {
    h = createHarness({ contacts });
    const first = h.connect(1, { sessionId: 's' });
    const second = h.connect(2, { sessionId: 's' });
    expect(first.closeCode).toBe(4401);
    await settle();
    const again = h.connect(1, { sessionId: 's' });
    expect(second.closeCode).toBe(4401);
    expect(again.closeCode).toBeUndefined();
  });

  it('forgets who a session belonged to once its last socket closed', async () => {
    h = createHarness({ contacts });
    const owners = (h.manager as unknown as { sessionOwners: { size: number } }).sessionOwners;
    const a = h.connect(1, { sessionId: 's' });
    const b = h.connect(1, { sessionId: 's' });
    expect(owners.size).toBe(1);
    a.peerClose(1000);
    await settle();
    expect(owners.size).toBe(1); // b still holds it
    b.peerClose(1000);
    await settle();
    expect(owners.size).toBe(0);
  });
});

describe('Manager: closeSession()', () => {
  it("closes exactly that session's sockets with 4401", async () => {
    h = createHarness({ contacts });
    const s1a = h.connect(1, { sessionId: 'sess-1' });
    const s1b = h.connect(1, { sessionId: 'sess-1' });
    const s2 = h.connect(1, { sessionId: 'sess-2' });
    const token = h.connect(1, { via: 'token' });
    const other = h.connect(2, { sessionId: 'sess-3' });
    expect(h.manager.closeSession('sess-1')).toBe(2);
    for (const s of [s1a, s1b]) {
      expect(s.closeCode).toBe(4401);
      expect(s.closeReason).toBe('logged out');
    }
    for (const s of [s2, token, other]) expect(s.closeCode).toBeUndefined();
    await settle();
    expect(h.manager.connectionCount).toBe(3);
    expect(h.manager.closeSession('no-such-session')).toBe(0);
  });

  it('ignores frames a logged-out socket sends while its close handshake is pending', async () => {
    h = createHarness({ contacts });
    const a = h.connect(1, { sessionId: 's', autoCloseHandshake: false });
    const b = h.connect(2);
    h.manager.closeSession('s');
    a.receive({ type: 'private', to: 2, content: 'after logout' });
    await settle();
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(framesAfterWelcome(b)).toEqual([]);
  });
});

describe('Manager: heartbeat', () => {
  it('terminates a socket that misses two pongs and keeps one that answers', async () => {
    h = createHarness({ contacts, options: { heartbeatIntervalMs: 10 } });
    const dead = h.connect(1);
    const live = h.connect(2, { autoPong: true });
    await vi.waitFor(() => expect(dead.terminated).toBe(true), { timeout: 1000, interval: 5 });
    // Pinged twice with no answer; the third tick terminates instead of pinging again.
    expect(dead.pings).toBe(2);
    await vi.waitFor(() => expect(live.pings).toBeGreaterThanOrEqual(4), { timeout: 1000, interval: 5 });
    expect(live.terminated).toBe(false);
    expect(h.manager.isOnline(1)).toBe(false);
    expect(h.manager.isOnline(2)).toBe(true);
  });

  it('stops pinging after close()', async () => {
    h = createHarness({ contacts, options: { heartbeatIntervalMs: 10 } });
    const s = h.connect(1, { autoPong: true, autoCloseHandshake: false });
    await vi.waitFor(() => expect(s.pings).toBeGreaterThan(0), { timeout: 1000, interval: 5 });
    await h.manager.close();
    const pings = s.pings;
    await new Promise((r) => setTimeout(r, 40));
    expect(s.pings).toBe(pings);
  });
});

describe('Manager with real ws sockets', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  /** An HTTP server on port 0 whose upgrades go to the Manager as `?user=ID`. */
  async function listen(harness: Harness): Promise<string> {
    const wss = new WebSocketServer({ noServer: true });
    server = createServer();
    server.on('upgrade', (req, socket, head) => {
      const userId = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('user'));
      wss.handleUpgrade(req, socket, head, (ws) => harness.manager.addConnection(ws, { userId, via: 'token' }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}) {
    const ws = new WebSocket(url, options);
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    return { ws, frames, closed, opened: new Promise((r) => ws.once('open', r)) };
  }

  it('routes, acks, reports delivery, and closes with 1001 on shutdown', async () => {
    h = createHarness({ contacts });
    const base = await listen(h);
    const alice = open(`${base}/?user=1`);
    const bob = open(`${base}/?user=2`);
    await Promise.all([alice.opened, bob.opened]);
    await vi.waitFor(() => expect(bob.frames).toHaveLength(1));
    alice.ws.send(JSON.stringify({ type: 'private', to: 2, content: 'over the wire', client_id: 'w1' }));
    await vi.waitFor(() => expect(alice.frames.map((f) => f.type)).toEqual(['welcome', 'ack', 'receipt']));
    expect(alice.frames[2]).toMatchObject({ status: 'delivered', user_id: 2, message_id: 1 });
    expect(bob.frames[1]).toMatchObject({ type: 'private', from: 1, to: 2, content: 'over the wire' });
    await h.manager.close();
    expect(await alice.closed).toBe(1001);
    expect(await bob.closed).toBe(1001);
  });

  it('terminates a real client that does not answer pings', async () => {
    h = createHarness({ contacts, options: { heartbeatIntervalMs: 15 } });
    const base = await listen(h);
    const mute = open(`${base}/?user=1`, { autoPong: false });
    const live = open(`${base}/?user=2`);
    let liveClosed = false;
    void live.closed.then(() => (liveClosed = true));
    expect(await mute.closed).toBe(1006);
    await new Promise((r) => setTimeout(r, 50));
    expect(liveClosed).toBe(false);
    expect(h.manager.isOnline(2)).toBe(true);
    live.ws.close();
    await live.closed;
  });
});
