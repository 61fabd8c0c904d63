import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, closeAll, connectClient, createGroup, registerUser, startTestServer, type TestServer } from '../support/server.js';

/** Issue 5, item 9: logs with request and connection ids, and the metrics an operator needs. */
describe('observability', () => {
  let server: TestServer;
  const { logger, lines } = captureLogger();
  beforeAll(async () => {
    server = await startTestServer({}, { logger });
  });
  afterAll(closeAll);

  /** The value of one sample line of the Prometheus text, or undefined. */
  const sample = (text: string, name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };

  it('logs each request once with a request id, echoed in X-Request-Id (or the proxy one)', async () => {
    const res = await server.http.get('/api/auth/me').expect(401);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines.find((l) => l.req?.id === id);
    expect(line).toMatchObject({ req: { method: 'GET', url: '/api/auth/me' }, res: { statusCode: 401 }, level: 40 });

    const given = await server.http.get('/api/auth/me').set('x-request-id', 'from-nginx-42').expect(401);
    expect(given.headers['x-request-id']).toBe('from-nginx-42');
    expect(lines.some((l) => l.req?.id === 'from-nginx-42')).toBe(true);
  });

  it('never logs an access_token from a URL, and skips health checks', async () => {
    await server.http.get('/api/auth/me?access_token=secret-token-value').expect(401);
    await server.http.get('/healthz').expect(200);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('secret-token-value');
    expect(text).toContain('access_token=[redacted]');
    expect(lines.some((l) => l.req?.url === '/healthz')).toBe(false);
  });

  it('logs socket open and close with a connection id', async () => {
    const alice = await registerUser(server);
    const client = await connectClient(server, alice.cookie);
    const opened = lines.find((l) => l.msg === 'socket opened' && l.userId === alice.id);
    expect(opened?.conn).toMatch(/^[0-9a-f-]{36}$/);
    client.ws.close(1000);
    await client.closed;
    await expect.poll(() => lines.find((l) => l.msg === 'socket closed' && l.conn === opened!.conn)?.code).toBe(1000);
  });

  it('counts frames in and out by type, errors by code, store write latency and fan-out latency', async () => {
    const before = (await server.http.get('/metrics').expect(200)).text;
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const a = await connectClient(server, alice.cookie);
    const b1 = await connectClient(server, bob.cookie);
    const b2 = await connectClient(server, bob.cookie);
    a.send({ type: 'private', to: bob.id, content: 'metered', client_id: 'm1' });
    await a.next('ack');
    await Promise.all([b1.next('private'), b2.next('private')]);
    a.send('not json');
    await a.next('error');

    // The delivered UPDATE is queued after the frame reaches bob, so it may still be in flight
    // when the recipients see the message: scrape until the store has nothing waiting.
    let after = '';
    await expect
      .poll(async () => {
        after = (await server.http.get('/metrics').expect(200)).text;
        return sample(after, 'parlor_store_writes_pending');
      })
      .toBe(0);
    const delta = (name: string) => (sample(after, name) ?? 0) - (sample(before, name) ?? 0);
    expect(delta('parlor_ws_frames_received_total{type="private"}')).toBe(1);
    expect(delta('parlor_ws_errors_sent_total{code="bad_request"}')).toBe(1);
    // One private message fanned out to bob's two connections.
    expect(delta('parlor_ws_frames_sent_total{type="private"}')).toBe(2);
    expect(delta('parlor_store_write_seconds_count{op="savePrivate"}')).toBe(1);
    expect(sample(after, 'parlor_fanout_seconds_count')).toBeGreaterThan(0);
    expect(sample(after, 'parlor_ws_connections')).toBe(3);
    // The store: one message insert (and its delivered update) committed, nothing waiting.
    expect(delta('parlor_store_writes_committed_total')).toBeGreaterThanOrEqual(2);
    expect(delta('parlor_store_write_transactions_total')).toBeGreaterThanOrEqual(1);
    expect(delta('parlor_store_writes_failed_total')).toBe(0);
    expect(sample(after, 'parlor_membership_cache_enabled')).toBe(1);
  });

  it('counts membership cache hits and misses of group routing', async () => {
    const before = (await server.http.get('/metrics').expect(200)).text;
    const owner = await registerUser(server);
    const groupId = await createGroup(server, owner, [], [], 'metered');
    const o = await connectClient(server, owner.cookie);
    for (const id of ['g1', 'g2']) {
      o.send({ type: 'group', group_id: groupId, content: id, client_id: id });
      await o.next('ack', (f) => f.client_id === id);
    }
    const after = (await server.http.get('/metrics').expect(200)).text;
    const delta = (name: string) => (sample(after, name) ?? 0) - (sample(before, name) ?? 0);
    expect(delta('parlor_membership_cache_misses_total')).toBe(1);
    expect(delta('parlor_membership_cache_hits_total')).toBe(1);
  });
});
