/**
 * TRUST_PROXY with addresses: X-Forwarded-Proto counts only from a peer among
 * them, for the origin check as for Express (the session cookie's Secure
 * flag). These tests connect from 127.0.0.1: outside 10.0.0.0/8, and the
 * proxy itself when TRUST_PROXY names loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, upgradeStatus, type TestServer, type TestUser } from '../support/server.js';

const FORWARDED_HTTPS = { 'x-forwarded-proto': 'https' };

/** The server's own origin as a browser behind a TLS proxy would send it: https, same host and port. */
const httpsOrigin = (server: TestServer) => server.url.replace('http:', 'https:');

const registerOver = (server: TestServer, headers: Record<string, string>) =>
  server.http.post('/api/auth/register').set(headers).send({ username: `p${Math.random().toString(36).slice(2, 10)}`, password: 'correct horse' }).expect(201);

describe('TRUST_PROXY=10.0.0.0/8: a peer at 127.0.0.1 is not the proxy', () => {
  let server: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: '10.0.0.0/8' });
    alice = await registerUser(server);
  });
  afterAll(closeAll);

  it('/ws: its X-Forwarded-Proto does not make https the own origin (403), its own scheme does', async () => {
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie, origin: httpsOrigin(server), ...FORWARDED_HTTPS })).toBe(403);
    const client = await connectClient(server, alice.cookie, { headers: { origin: server.url, ...FORWARDED_HTTPS } });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it('HTTP writes follow the same rule', async () => {
    const write = (origin: string) => server.http.post('/api/groups').set('cookie', alice.cookie).set({ origin, ...FORWARDED_HTTPS }).send({ name: 'g' });
    await write(httpsOrigin(server)).expect(403);
    await write(server.url).expect(201);
  });

  it('and Express agrees: the session cookie is not Secure', async () => {
    expect((await registerOver(server, FORWARDED_HTTPS)).headers['set-cookie']![0]).not.toMatch(/; Secure/i);
  });
});

describe.each(['127.0.0.1', 'loopback'])('TRUST_PROXY=%s: a peer at 127.0.0.1 is the proxy', (trustProxy) => {
  let server: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ TRUST_PROXY: trustProxy });
    alice = await registerUser(server);
  });
  afterAll(closeAll);

  it('/ws: its X-Forwarded-Proto https makes https the own origin, and plain http no longer is', async () => {
    const client = await connectClient(server, alice.cookie, { headers: { origin: httpsOrigin(server), ...FORWARDED_HTTPS } });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie, origin: server.url, ...FORWARDED_HTTPS })).toBe(403);
  });

  it('HTTP writes follow the same rule', async () => {
    const write = (origin: string) => server.http.post('/api/groups').set('cookie', alice.cookie).set({ origin, ...FORWARDED_HTTPS }).send({ name: 'g' });
    await write(httpsOrigin(server)).expect(201);
    await write(server.url).expect(403);
  });

  it('and Express agrees: the session cookie is Secure', async () => {
    expect((await registerOver(server, FORWARDED_HTTPS)).headers['set-cookie']![0]).toMatch(/; Secure/i);
  });
});
