import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawUpgrade } from '../support/raw-ws.js';
import { closeAll, connectClient, registerUsers, startTestServer, waitFor, type TestServer, type TestUser } from '../support/server.js';
import { MIN_FRAME_BYTES } from '../../src/wire-limits.js';

/** The least the server takes (a valid message must fit): a frame of it holds 1000 characters of content and JSON whitespace. */
const MAX_FRAME_BYTES = MIN_FRAME_BYTES;
const WS_RATE_LIMIT = 10;
const WS_RATE_BURST = 5;

describe('per-connection limits', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  /** A private frame to bob of 1000 characters whose JSON text is exactly `bytes` long (padded with whitespace, which JSON allows). */
  const frameOfSize = (bytes: number, clientId: string) => {
    const frame = JSON.stringify({ type: 'private', to: bob.id, client_id: clientId, content: 'x'.repeat(1000) });
    return frame + ' '.repeat(bytes - frame.length);
  };

  beforeAll(async () => {
    server = await startTestServer({
      MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
      WS_RATE_LIMIT: String(WS_RATE_LIMIT),
      WS_RATE_BURST: String(WS_RATE_BURST),
    });
    [alice, bob] = await registerUsers(server, 2);
  });
  afterAll(closeAll);

  describe('MAX_FRAME_BYTES', () => {
    it('accepts a frame of exactly MAX_FRAME_BYTES', async () => {
      const client = await connectClient(server, alice.cookie);
      const text = frameOfSize(MAX_FRAME_BYTES, 'exact');
      expect(Buffer.byteLength(text)).toBe(MAX_FRAME_BYTES);
      client.send(text);
      expect(await client.next('ack')).toMatchObject({ client_id: 'exact' });
    });

    it('closes the connection with 1009 for a larger frame; nothing is stored; the server keeps serving', async () => {
      const [client, other] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, alice.cookie)]);
      client.send(frameOfSize(MAX_FRAME_BYTES + 1, 'too-big'));
      expect((await client.closed).code).toBe(1009);
      const history = await server.http.get(`/api/messages/private?user=${bob.id}`).set('cookie', alice.cookie).expect(200);
      expect(history.body.messages.filter((m: { content: string }) => m.content.length > 900)).toHaveLength(1);
      // The user's other connection and new connections are unaffected.
      other.send({ type: 'private', to: bob.id, content: 'after', client_id: 'after-1009' });
      expect(await other.next('ack')).toMatchObject({ client_id: 'after-1009' });
      await connectClient(server, alice.cookie);
    });
  });

  describe('WS_RATE_LIMIT / WS_RATE_BURST', () => {
    it('allows a burst, answers the excess with rate_limited, and recovers at the rate', async () => {
      const client = await connectClient(server, alice.cookie);
      const sent = WS_RATE_BURST + 5;
      for (let i = 0; i < sent; i++) client.send({ type: 'private', to: bob.id, content: `burst ${i}`, client_id: `b${i}` });
      await waitFor(() => client.all('ack').length + client.all('error').length === sent, 3000, 'an answer to every frame');
      // The burst, plus at most one token refilled while the frames arrived.
      const acked = client.all('ack').map((a) => a.client_id);
      expect(acked.slice(0, WS_RATE_BURST)).toEqual(Array.from({ length: WS_RATE_BURST }, (_, i) => `b${i}`));
      expect(acked.length).toBeLessThanOrEqual(WS_RATE_BURST + 1);
      for (const e of client.all('error')) expect(e).toMatchObject({ type: 'error', code: 'rate_limited', message: expect.any(String) });
      // One token comes back every 1000 / WS_RATE_LIMIT ms.
      await new Promise((r) => setTimeout(r, 150));
      client.send({ type: 'private', to: bob.id, content: 'later', client_id: 'later' });
      expect(await client.next('ack', (a) => a.client_id === 'later')).toBeDefined();
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    });

    it('counts every frame, bad ones included', async () => {
      const client = await connectClient(server, alice.cookie);
      for (let i = 0; i < WS_RATE_BURST + 1; i++) client.send('not json');
      for (let i = 0; i < WS_RATE_BURST; i++) expect(await client.next('error')).toMatchObject({ code: 'bad_request' });
      expect(await client.next('error')).toMatchObject({ code: 'rate_limited' });
    });

    it('closes a connection that keeps flooding with 1008, after rate_limited errors; others are unaffected', async () => {
      const [flooder, bystander] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, alice.cookie)]);
      for (let i = 0; i < 300; i++) flooder.send({ type: 'typing', to: bob.id });
      expect((await flooder.closed).code).toBe(1008);
      const errors = flooder.all('error');
      expect(errors.length).toBeGreaterThan(0);
      expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['rate_limited']));
      bystander.send({ type: 'private', to: bob.id, content: 'still fine', client_id: 'bystander' });
      expect(await bystander.next('ack')).toMatchObject({ client_id: 'bystander' });
    });
  });

  describe('MAX_BUFFERED_BYTES', () => {
    it('closes a client that stops reading with 1013, without holding back the others', async () => {
      const slowServer = await startTestServer({ MAX_BUFFERED_BYTES: String(64 * 1024) });
      const [reader, stalled] = await registerUsers(slowServer, 2);
      const fast = await connectClient(slowServer, reader.cookie);
      const slow = await rawUpgrade(slowServer.url, { cookie: stalled.cookie });
      expect(slow.status).toBe(101);
      slow.socket.pause(); // reads nothing more: the kernel buffers fill, then the server's
      const content = 'b'.repeat(4000);
      const sent = 4000; // 16 MB each: more than loopback socket buffers hold
      // In small batches, so the reading client keeps up (a burst larger than MAX_BUFFERED_BYTES would close it too).
      for (let i = 0; i < sent; i++) {
        slowServer.parlor.manager.broadcastToAll('broadcast', { from: reader.id, content, timestamp: i });
        if (i % 8 === 7) await new Promise((r) => setImmediate(r));
      }
      await waitFor(() => fast.all('broadcast').length === sent, 10_000, 'every broadcast at the reading client');
      slow.socket.resume();
      expect((await slow.closed).code).toBe(1013);
      expect(fast.ws.readyState).toBe(fast.ws.OPEN);
      expect(slow.messages().filter((m) => m.type === 'broadcast').length).toBeLessThan(sent);
    });

    it('counts bytes, not UTF-16 units: multi-byte content reaches the limit at its UTF-8 size', async () => {
      const limit = 64 * 1024;
      const byteServer = await startTestServer({ MAX_BUFFERED_BYTES: String(limit) });
      const [user] = await registerUsers(byteServer, 1);
      const client = await connectClient(byteServer, user.cookie);
      const content = '漢'.repeat(4000); // 4000 UTF-16 units, 12,000 bytes
      const body = (i: number) => ({ from: user.id, content, timestamp: 1_000_000 + i });
      const frameBytes = Buffer.byteLength(JSON.stringify({ type: 'broadcast', ...body(0) }));
      expect(frameBytes).toBeGreaterThan(12_000);
      // Written in one tick, so nothing leaves the server's buffer meanwhile (the socket is corked until the next tick):
      // the frame that takes the buffer past the limit is the last one written. ws adds a 4-byte header to each.
      const expected = Math.floor(limit / (frameBytes + 4)) + 1;
      for (let i = 0; i < 20; i++) byteServer.parlor.manager.broadcastToAll('broadcast', body(i));
      expect((await client.closed).code).toBe(1013);
      // Counted as UTF-16 units (about 4,050 a frame), 17 frames would have fitted.
      expect(client.all('broadcast')).toHaveLength(expected);
      expect(expected).toBe(6);
    });
  });
});

describe('new connections per user (WS_CONNECT_RATE / WS_CONNECT_BURST)', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ WS_CONNECT_RATE: '1', WS_CONNECT_BURST: '3' });
    [alice, bob] = await registerUsers(server, 2);
  });
  afterAll(closeAll);

  it('refuses the upgrade past the burst with 429 and Retry-After, before the handshake; other users are unaffected; it refills', async () => {
    const opened = [];
    for (let i = 0; i < 3; i++) {
      const raw = await rawUpgrade(server.url, { cookie: alice.cookie });
      expect(raw.status).toBe(101);
      opened.push(raw);
      raw.destroy(); // a reconnect loop: each connection gone at once
    }
    const refused = await rawUpgrade(server.url, { cookie: alice.cookie });
    await refused.closed;
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({ error: 'rate_limited', message: expect.any(String) });
    await connectClient(server, bob.cookie); // Bob's budget is his own
    await new Promise((r) => setTimeout(r, 1100));
    await connectClient(server, alice.cookie);
  });
});
