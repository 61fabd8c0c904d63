import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, login, registerUser, startTestServer, upgradeStatus, type TestServer, type TestUser } from '../support/server.js';

describe('GET /ws upgrade', () => {
  let server: TestServer;
  let alice: TestUser;
  let ownOrigin: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await registerUser(server);
    ownOrigin = server.url; // http://127.0.0.1:<port>
  });
  afterAll(closeAll);

  it('welcomes a valid session first, with its user_id', async () => {
    const before = Date.now();
    const client = await connectClient(server, alice.cookie);
    expect(client.frames[0]).toEqual({ type: 'welcome', user_id: alice.id, timestamp: expect.any(Number) });
    expect(client.frames[0]!.timestamp).toBeGreaterThanOrEqual(before - 1);
  });

  it('401 without a cookie', async () => {
    expect(await upgradeStatus(server.wsUrl)).toBe(401);
    expect(await upgradeStatus(server.wsUrl, { cookie: 'other=1' })).toBe(401);
  });

  describe('401 with a cookie that is not a valid session', () => {
    const sidOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    const cases: Array<[string, () => string]> = [
      ['unsigned session id', () => `parlor.sid=${sidOf(alice.cookie)}`],
      ['forged signature', () => `parlor.sid=s%3A${sidOf(alice.cookie)}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`],
      ['made-up session', () => 'parlor.sid=s%3Anot-a-session.c2lnbmF0dXJl'],
      ['garbage', () => 'parlor.sid=%%%'],
    ];
    it.each(cases)('%s', async (_name, cookie) => {
      expect(await upgradeStatus(server.wsUrl, { cookie: cookie() })).toBe(401);
    });

    it('a logged-out session', async () => {
      const cookie = await login(server, alice);
      await server.http.post('/api/auth/logout').set('cookie', cookie).expect(204);
      expect(await upgradeStatus(server.wsUrl, { cookie })).toBe(401);
    });

    it('the session cookie under another name', async () => {
      expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie.replace('parlor.sid', 'connect.sid') })).toBe(401);
    });
  });

  describe('Origin, by default only the server\'s own', () => {
    it('accepts the server\'s own origin and a request without Origin', async () => {
      const own = await connectClient(server, alice.cookie, { headers: { origin: ownOrigin } });
      expect(own.frames[0]).toMatchObject({ type: 'welcome', user_id: alice.id });
      const none = await connectClient(server, alice.cookie);
      expect(none.frames[0]).toMatchObject({ type: 'welcome', user_id: alice.id });
    });

    it.each([
      ['another site', () => 'https://evil.example'],
      ['another port', () => ownOrigin.replace(/:\d+$/, ':1')],
      ['another host name for the same address', () => ownOrigin.replace('127.0.0.1', 'localhost')],
      ['the opaque origin "null"', () => 'null'],
      ['a look-alike suffix', () => `${ownOrigin}.evil.example`],
    ])('403 for %s with a valid cookie', async (_name, origin) => {
      expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie, origin: origin() })).toBe(403);
    });

    it('401 (not 403) for a foreign origin without a session: nothing is revealed', async () => {
      expect(await upgradeStatus(server.wsUrl, { origin: 'https://evil.example' })).toBe(401);
    });
  });

  describe('ALLOWED_ORIGINS', () => {
    let listed: TestServer;
    let bob: TestUser;

    beforeAll(async () => {
      listed = await startTestServer({ ALLOWED_ORIGINS: 'https://app.example, https://admin.example' });
      bob = await registerUser(listed);
    });

    it('accepts every listed origin', async () => {
      for (const origin of ['https://app.example', 'https://admin.example']) {
        const client = await connectClient(listed, bob.cookie, { headers: { origin } });
        expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: bob.id });
      }
    });

    it('refuses any other origin with 403, the server\'s own included (the list replaces the default)', async () => {
      for (const origin of ['https://evil.example', 'http://app.example', 'https://app.example:8443', listed.url]) {
        expect(await upgradeStatus(listed.wsUrl, { cookie: bob.cookie, origin })).toBe(403);
      }
    });
  });

  it('refuses other paths without upgrading', async () => {
    const base = server.wsUrl.replace(/\/ws$/, '');
    for (const path of ['/', '/socket', '/wsx', '/ws/extra', '/api/ws']) {
      // 0: the socket is closed without an HTTP answer.
      expect(await upgradeStatus(`${base}${path}`, { cookie: alice.cookie })).toBe(0);
    }
  });

  it('ignores a query string on /ws', async () => {
    const client = await connectClient(server, alice.cookie, { url: `${server.wsUrl}?v=1` });
    expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: alice.id });
  });

  it('lets one user hold several connections', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => connectClient(server, alice.cookie)));
    for (const c of clients) expect(c.frames[0]).toMatchObject({ type: 'welcome', user_id: alice.id });
  });
});
