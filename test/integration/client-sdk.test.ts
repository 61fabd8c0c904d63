/**
 * The client SDK (src/client) against a real server: two Node ParlorClients
 * (the `ws` package through `createSocket`, with the session cookie) keep
 * talking, privately and in a group, while the server's connections are cut
 * under them, or the server is restarted on the same SQLite file and port.
 * After the SDK reconnects (sync + outbox), what each app saw must be exactly
 * what was stored: every message once, in id order, none lost, none doubled;
 * every send stored once and acknowledged with its stored id.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient, type GroupMessage, type PrivateMessage, type SendAck } from '../../src/client/index.js';
import {
  closeAll,
  createGroup,
  registerUser,
  startTestServer,
  stopTestServer,
  tempDir,
  waitFor,
  type HttpTarget,
  type TestServer,
  type TestUser,
} from '../support/server.js';

afterEach(closeAll);

/** Enough frames per second that the rate limit never answers for the server (tested elsewhere). */
const UNLIMITED = { WS_RATE_LIMIT: '100000', WS_RATE_BURST: '100000' };

type Stored = (PrivateMessage | GroupMessage) & { type?: string };

/** A Node client as an app would build it, recording what the app is handed. */
function sdkClient(wsUrl: string, user: TestUser) {
  const client = new ParlorClient({
    url: wsUrl,
    createSocket: (url) => new WebSocket(url, { headers: { cookie: user.cookie } }),
    // Short delays instead of fake timers: the real server and sockets run.
    reconnectBaseMs: 20,
    reconnectMaxMs: 150,
    ackTimeoutMs: 10_000,
  });
  const seen: Stored[] = [];
  client.on('private', (m) => seen.push(m));
  client.on('group', (m) => seen.push(m));
  const opens: boolean[] = [];
  client.on('open', ({ reconnected }) => opens.push(reconnected));
  return { client, seen, opens, user };
}
type SdkClient = ReturnType<typeof sdkClient>;

/** Every TCP socket that upgraded to a WebSocket on `server`, so a test can cut them like a network failure. */
function trackUpgrades(server: Server): { cut(): number } {
  const sockets = new Set<Socket>();
  server.on('upgrade', (_req, socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    cut() {
      const n = sockets.size;
      for (const socket of sockets) socket.destroy();
      return n;
    },
  };
}

/** One conversation as stored, oldest first, read page by page with `before=`. */
async function stored(target: HttpTarget, user: TestUser, query: string): Promise<Stored[]> {
  const all: Stored[] = [];
  let before = '';
  for (;;) {
    const kind = query.startsWith('group=') ? 'group' : 'private';
    const res = await target.http.get(`/api/messages/${kind}?${query}&limit=100${before}`).set('cookie', user.cookie).expect(200);
    all.push(...res.body.messages);
    if (!res.body.has_more) break;
    before = `&before=${all[all.length - 1]!.id}`;
  }
  return all.reverse();
}

interface Sent {
  content: string;
  ack: Promise<SendAck>;
  isGroup: boolean;
  /** Made while the client was not connected: it waited in the outbox. */
  queued: boolean;
}

/** `count` messages, every third one to the group, paced a little so that cuts land mid-stream. */
async function talk(from: SdkClient, to: TestUser, groupId: number, count: number, onEach?: (i: number) => void | Promise<void>): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let i = 0; i < count; i++) {
    const content = `${from.user.username} ${i}`;
    const isGroup = i % 3 === 2;
    const ack = isGroup ? from.client.sendGroup(groupId, content) : from.client.sendPrivate(to.id, content);
    sent.push({ content, ack, isGroup, queued: from.client.state !== 'open' });
    await onEach?.(i);
    await new Promise((r) => setTimeout(r, 2));
  }
  return sent;
}

/**
 * What `c` was handed equals what is stored: the other side's messages (both
 * conversations) exactly once and in id order; its own messages through their
 * acks, one distinct id per send with the content it sent; an own message
 * replayed by sync (its ack was lost with the connection) at most once, never
 * after its ack.
 */
function expectExactlyStored(c: SdkClient, sent: Sent[], acks: SendAck[], all: Stored[]): void {
  const me = c.user.id;
  const ids = c.seen.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length); // nothing doubled
  expect(ids).toEqual([...ids].sort((a, b) => a - b)); // in id order

  const theirs = all.filter((m) => m.from !== me);
  expect(c.seen.filter((m) => m.from !== me).map((m) => m.id)).toEqual(theirs.map((m) => m.id)); // nothing lost

  const mine = all.filter((m) => m.from === me);
  // Each send stored once, and in the order sent within its conversation (the server handles a
  // connection's frames concurrently, so a private and a group message may be stored either way round).
  for (const isGroup of [false, true]) {
    const storedHere = mine.filter((m) => 'group_id' in m === isGroup).map((m) => m.content);
    expect(storedHere).toEqual(sent.filter((s) => s.isGroup === isGroup).map((s) => s.content));
  }
  // Each send acked once, with the id its content was stored under.
  const byId = new Map(mine.map((m) => [m.id, m.content]));
  expect(acks.map((a) => byId.get(a.id))).toEqual(sent.map((s) => s.content));
  expect(new Set(acks.map((a) => a.id)).size).toBe(mine.length);
  const ownReplayed = c.seen.filter((m) => m.from === me);
  for (const m of ownReplayed) expect(mine.some((x) => x.id === m.id)).toBe(true);
}

async function conversationOf(target: HttpTarget, a: TestUser, b: TestUser, groupId: number): Promise<Stored[]> {
  const [priv, group] = await Promise.all([stored(target, a, `user=${b.id}`), stored(target, a, `group=${groupId}`)]);
  return [...priv, ...group].sort((x, y) => x.id - y.id);
}

async function setUp(server: TestServer): Promise<{ alice: SdkClient; bob: SdkClient; groupId: number; a: TestUser; b: TestUser }> {
  const [a, b] = [await registerUser(server), await registerUser(server)];
  const groupId = await createGroup(server, a, [b]);
  const alice = sdkClient(server.wsUrl, a);
  const bob = sdkClient(server.wsUrl, b);
  await Promise.all([alice.client.connect(), bob.client.connect()]);
  return { alice, bob, groupId, a, b };
}

describe('ParlorClient against a real server: nothing lost, nothing doubled', () => {
  it('keeps the conversation whole when every server-side connection is cut, three times, mid-stream', async () => {
    const server = await startTestServer(UNLIMITED);
    const upgrades = trackUpgrades(server.server);
    const { alice, bob, groupId, a, b } = await setUp(server);
    const cuts: number[] = [];
    const inFlight: number[] = [];
    const cutAt = new Set([30, 70, 110]);

    // Both talk at once; bob's loop cuts the connections at fixed points.
    const [bobSent, aliceSent] = await Promise.all([
      talk(bob, a, groupId, 150, (i) => {
        if (!cutAt.has(i)) return;
        inFlight.push(bob.client.pending + alice.client.pending);
        cuts.push(upgrades.cut());
      }),
      talk(alice, b, groupId, 100),
    ]);
    const [bobAcks, aliceAcks] = await Promise.all([Promise.all(bobSent.map((s) => s.ack)), Promise.all(aliceSent.map((s) => s.ack))]);

    const all = await conversationOf(server, a, b, groupId);
    expect(all).toHaveLength(250);
    await waitFor(() => alice.seen.filter((m) => m.from === b.id).length >= 150 && bob.seen.filter((m) => m.from === a.id).length >= 100, 5000, 'every message seen');
    expectExactlyStored(alice, aliceSent, aliceAcks, all);
    expectExactlyStored(bob, bobSent, bobAcks, all);

    expect(cuts).toEqual([2, 2, 2]); // both clients were connected at every cut,
    for (const n of inFlight) expect(n).toBeGreaterThan(0); // with sends not yet acked (written again after the reconnect)...
    expect(alice.opens.filter(Boolean).length).toBeGreaterThanOrEqual(3); // ...and reconnected after each
    expect(bob.opens.filter(Boolean).length).toBeGreaterThanOrEqual(3);
    alice.client.close();
    bob.client.close();
  });

  it('keeps the conversation whole across a server restart on the same SQLite file and port, sends queued meanwhile', async () => {
    const dir = tempDir();
    let server = await startTestServer(UNLIMITED, { dir });
    const port = new URL(server.url).port;
    const { alice, bob, groupId, a, b } = await setUp(server);

    let restarted: Promise<void> | undefined;
    const [bobSent, aliceSent] = await Promise.all([
      talk(bob, a, groupId, 120, async (i) => {
        if (i !== 40) return;
        // Graceful stop (stored writes finish, sockets close with 1001); bob goes on talking only once
        // his client knows, so his next sends wait in the outbox. The same file and port again 150 ms later.
        await stopTestServer(server);
        await waitFor(() => bob.client.state !== 'open', 5000, 'bob sees the server go');
        restarted = (async () => {
          await new Promise((r) => setTimeout(r, 150));
          server = await startTestServer({ ...UNLIMITED, PORT: port }, { dir });
        })();
      }),
      talk(alice, b, groupId, 80),
    ]);
    await restarted;
    // Both reconnect by themselves (alice may have sent everything before the stop, so no ack waits on it).
    await waitFor(() => alice.opens.includes(true) && bob.opens.includes(true), 5000, 'both clients reconnected');
    const [bobAcks, aliceAcks] = await Promise.all([Promise.all(bobSent.map((s) => s.ack)), Promise.all(aliceSent.map((s) => s.ack))]);

    const all = await conversationOf(server, a, b, groupId);
    expect(all).toHaveLength(200);
    await waitFor(() => alice.seen.filter((m) => m.from === b.id).length >= 120 && bob.seen.filter((m) => m.from === a.id).length >= 80, 5000, 'every message seen');
    expectExactlyStored(alice, aliceSent, aliceAcks, all);
    expectExactlyStored(bob, bobSent, bobAcks, all);
    expect(bobSent.filter((s) => s.queued).length).toBeGreaterThan(0); // some sends waited for the new server
    alice.client.close();
    bob.client.close();
  });
});

describe('ParlorClient after a flood (issue #15, 2)', () => {
  it("gets a stranger's 200 heavy messages once each, in order, though its connection drops twice mid-replay", async () => {
    const server = await startTestServer();
    const [stranger, victim] = [await registerUser(server), await registerUser(server)];
    // 4000 × U+0001, about 24 KB a frame. Stored through the Manager's sendPrivate, the method
    // POST /api/messages/private calls, without the per-user limit HTTP sends may carry.
    const heavy = '\u0001'.repeat(4000);
    const sends = Array.from({ length: 200 }, () => server.parlor.manager.sendPrivate({ from: stranger.id, to: victim.id, content: heavy }));
    const ids = (await Promise.all(sends)).map((s) => s.message.id).sort((x, y) => x - y);

    const syncs: number[] = [];
    let current: WebSocket | undefined;
    const client = new ParlorClient({
      url: server.wsUrl,
      createSocket: (url) => {
        const ws = new WebSocket(url, { headers: { cookie: victim.cookie } });
        const send = ws.send.bind(ws);
        ws.send = ((data: string) => {
          const frame = JSON.parse(data) as { type: string; since?: number };
          if (frame.type === 'sync') syncs.push(frame.since!);
          send(data);
        }) as typeof ws.send;
        current = ws;
        return ws;
      },
      reconnectBaseMs: 20,
      reconnectMaxMs: 150,
    });
    const seen: number[] = [];
    const closes: number[] = [];
    // The connection drops (as a network would) after 50 messages on the first socket, and 40 more on the second.
    let opens = 0;
    let dropAt = Infinity;
    client.on('open', () => {
      opens++;
      dropAt = opens === 1 ? 50 : opens === 2 ? seen.length + 40 : Infinity;
    });
    client.on('private', (m) => {
      seen.push(m.id);
      if (seen.length === dropAt) current!.terminate();
    });
    client.on('reconnecting', ({ code }) => closes.push(code));
    let synced = false;
    client.on('synced', () => (synced = true));
    await client.connect();

    await waitFor(() => synced, 20_000, 'a complete sync');
    expect(seen).toEqual(ids); // every message once, in id order: nothing received was thrown away
    expect(closes).toEqual([1006, 1006]); // the two drops, and never a 1013
    // Each reconnect resumed from the last replayed message it held, not from the start.
    expect(syncs).toHaveLength(3);
    expect(syncs[0]).toBe(0);
    expect(syncs[1]).toBeGreaterThanOrEqual(ids[49]!);
    expect(syncs[2]).toBeGreaterThanOrEqual(ids[89]!);
    client.close();
  }, 30_000);
});

describe("ParlorClient under the server's default frame limit (WS_RATE_LIMIT 20/s, burst 40)", () => {
  it('80 messages queued before the connection opens are all stored and acked once: none rate_limited, no 1008', async () => {
    const server = await startTestServer();
    const [a, b] = [await registerUser(server), await registerUser(server)];
    const alice = sdkClient(server.wsUrl, a);
    const rejected: unknown[] = [];
    let closed: unknown;
    alice.client.on('closed', (event) => (closed = event));
    const sends = Array.from({ length: 80 }, (_, i) => alice.client.sendPrivate(b.id, `queued ${i}`).catch((err) => (rejected.push(err), null)));
    await alice.client.connect();
    const acks = await Promise.all(sends);
    expect(rejected).toEqual([]);
    expect(closed).toBeUndefined();
    const ids = acks.map((ack) => ack!.id);
    expect(new Set(ids).size).toBe(80);
    expect((await stored(server, a, `user=${b.id}`)).map((m) => m.content)).toEqual(Array.from({ length: 80 }, (_, i) => `queued ${i}`));
    alice.client.close();
  }, 20_000);
});
