import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, getToken, sendPrivate } from '../../examples/token-client.js';
import { closeAll, connectClient, registerUser, startTestServer, upgradeStatus, type TestServer, type TestUser } from '../support/server.js';

const TOKEN_SECRET = 'token-secret-token-secret-token-secret-0123';
const key = new TextEncoder().encode(TOKEN_SECRET);
/** The audience of the standalone server's tokens: its wsPath, `/ws`. */
const AUDIENCE = '/ws';

describe('bearer tokens', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET, ALLOWED_ORIGINS: 'https://app.example' });
    alice = await registerUser(server);
    bob = await registerUser(server);
  });
  afterAll(closeAll);

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const bobToken = async () => (await server.http.post('/api/auth/token').set('cookie', bob.cookie).expect(201)).body.token as string;
  const sign = (claims: Record<string, unknown>, sub: number, exp: number | string = '5m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(sub)).setIssuer('parlor').setAudience(AUDIENCE).setIssuedAt().setExpirationTime(exp);

  it('lets a client with no cookie jar get a token, connect, send and receive (the docs example)', async () => {
    const options = { baseUrl: server.url, username: bob.username, password: bob.password };
    const { token, expires_at } = await getToken(options);
    expect(expires_at).toBeGreaterThan(Date.now() + 60_000);
    const ws = await connect(server.url, token);
    const aliceClient = await connectClient(server, alice.cookie);
    const ack = await sendPrivate(ws, alice.id, 'hi from a bot');
    const got = await aliceClient.next('private');
    expect(got).toMatchObject({ id: ack.id, from: bob.id, to: alice.id, content: 'hi from a bot' });
    ws.close();
  });

  it('issues a token from a cookie session, and HTTP routes accept the bearer header', async () => {
    const res = await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201);
    const me = await server.http.get('/api/auth/me').set(bearer(res.body.token)).expect(200);
    expect(me.body).toEqual({ id: alice.id, username: alice.username });
  });

  it('accepts access_token in the query string on the upgrade only', async () => {
    const { body } = await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201);
    const client = await connectClient(server, undefined, { url: `${server.wsUrl}?access_token=${body.token}` });
    const welcome = client.all('welcome')[0];
    expect(welcome?.user_id).toBe(alice.id);
    await server.http.get(`/api/auth/me?access_token=${body.token}`).expect(401);
  });

  it('refuses bad credentials and bad bodies', async () => {
    await server.http.post('/api/auth/token').send({ username: alice.username, password: 'wrong password' }).expect(401);
    await server.http.post('/api/auth/token').send({ username: 'x', password: 1 }).expect(400);
    await server.http.post('/api/auth/token').expect(401);
  });

  it('skips the Origin check for token sockets but keeps it for cookie sockets', async () => {
    const { body } = await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201);
    const foreign = { origin: 'https://evil.example' };
    expect(await upgradeStatus(server.wsUrl, { ...foreign, cookie: alice.cookie })).toBe(403);
    const client = await connectClient(server, undefined, { headers: { ...foreign, ...bearer(body.token) } });
    expect(client.all('welcome')).toHaveLength(1);
  });

  describe('refuses forged, expired and revoked tokens with 401 before the upgrade', () => {
    const cases: Array<[string, () => Promise<string>]> = [
      ['expired', () => sign({ ver: 0 }, alice.id, Math.floor(Date.now() / 1000) - 10).sign(key)],
      [
        'tampered payload',
        async () => {
          const [h, , s] = (await sign({ ver: 0 }, alice.id).sign(key)).split('.');
          const forged = Buffer.from(JSON.stringify({ sub: String(bob.id), ver: 0, iss: 'parlor', exp: 9999999999 })).toString('base64url');
          return `${h}.${forged}.${s}`;
        },
      ],
      ['signed with another key', () => sign({ ver: 0 }, alice.id).sign(new TextEncoder().encode('another-key-another-key-another-key!'))],
      ['alg none', async () => new UnsecuredJWT({ ver: 0 }).setSubject(String(alice.id)).setIssuer('parlor').setAudience(AUDIENCE).setExpirationTime('5m').encode()],
      ['HS512 with the right key', () => new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS512' }).setSubject(String(alice.id)).setIssuer('parlor').setAudience(AUDIENCE).setExpirationTime('5m').sign(key)],
      [
        'RS256 (algorithm confusion)',
        async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'RS256' }).setSubject(String(alice.id)).setIssuer('parlor').setAudience(AUDIENCE).setExpirationTime('5m').sign(privateKey);
        },
      ],
      ['wrong issuer', () => new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(alice.id)).setIssuer('other').setAudience(AUDIENCE).setExpirationTime('5m').sign(key)],
      ['unknown user', () => sign({ ver: 0 }, 999_999).sign(key)],
      ['for another mount (another audience, the same key)', () => sign({ ver: 0 }, alice.id).setAudience('/support/ws').sign(key)],
      [
        'without an audience (issued before tokens had one)',
        () => new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(alice.id)).setIssuer('parlor').setIssuedAt().setExpirationTime('5m').sign(key),
      ],
      ['no exp (a token that never expires)', () => new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(alice.id)).setIssuer('parlor').setAudience(AUDIENCE).setIssuedAt().sign(key)],
      ['garbage', async () => 'not.a.token'],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const token = await make();
      expect(await upgradeStatus(server.wsUrl, bearer(token))).toBe(401);
      expect(await upgradeStatus(`${server.wsUrl}?access_token=${encodeURIComponent(token)}`)).toBe(401);
      await server.http.get('/api/auth/me').set(bearer(token)).expect(401);
    });

    it('accepts a token crafted with the right key and version (so the cases above fail for their own reason)', async () => {
      const token = await sign({ ver: 0 }, bob.id).sign(key);
      await server.http.get('/api/auth/me').set(bearer(token)).expect(200);
    });
  });

  it('revoke stops every earlier token for new upgrades and requests, and closes the sockets they opened with 4401; cookie sockets stay', async () => {
    const carol = await registerUser(server);
    const first = (await server.http.post('/api/auth/token').set('cookie', carol.cookie).expect(201)).body.token;
    const second = (await server.http.post('/api/auth/token').set('cookie', carol.cookie).expect(201)).body.token;
    const [byToken, byQuery] = [
      await connectClient(server, undefined, { headers: bearer(first) }),
      await connectClient(server, undefined, { url: `${server.wsUrl}?access_token=${second}` }),
    ];
    const [byCookie, bobs] = [await connectClient(server, carol.cookie), await connectClient(server, undefined, { headers: bearer(await bobToken()) })];

    await server.http.post('/api/auth/revoke').set(bearer(second)).expect(204);

    for (const client of [byToken, byQuery]) expect(await client.closed).toEqual({ code: 4401, reason: 'tokens revoked' });
    for (const token of [first, second]) {
      expect(await upgradeStatus(server.wsUrl, bearer(token))).toBe(401);
      await server.http.get('/api/auth/me').set(bearer(token)).expect(401);
    }
    expect([byCookie.ws.readyState, bobs.ws.readyState]).toEqual([byCookie.ws.OPEN, bobs.ws.OPEN]);
    // A token issued after the revoke works.
    const fresh = (await server.http.post('/api/auth/token').set('cookie', carol.cookie).expect(201)).body.token;
    await server.http.get('/api/auth/me').set(bearer(fresh)).expect(200);
    byCookie.ws.close();
    bobs.ws.close();
  });

  it('a bearer token cannot mint another token; a cookie session or a password can', async () => {
    const token = await bobToken();
    const refused = await server.http.post('/api/auth/token').set(bearer(token)).expect(401);
    expect(refused.body).toMatchObject({ error: 'unauthorized' });
    await server.http.post('/api/auth/token').set(bearer(token)).send({}).expect(401);
    await server.http.post('/api/auth/token').set('cookie', bob.cookie).expect(201);
    await server.http.post('/api/auth/token').send({ username: bob.username, password: bob.password }).expect(201);
  });

  it('revoke needs authentication', async () => {
    await server.http.post('/api/auth/revoke').expect(401);
  });
});
