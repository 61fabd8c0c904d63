import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  closedWithin,
  connectClient,
  cookieOf,
  expectNoFrame,
  login,
  registerUser,
  startTestServer,
  type TestServer,
} from '../support/server.js';

const password = 'correct horse battery';
const error = (code: string) => ({ error: code, message: expect.any(String) });

describe('auth', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  describe('register', () => {
    it('answers 201 {id, username} with the session cookie, and that cookie is signed in', async () => {
      const res = await server.http.post('/api/auth/register').send({ username: 'Reg.User_1-a', password }).expect(201);
      expect(res.body).toEqual({ id: expect.any(Number), username: 'Reg.User_1-a' });
      const setCookie = String(res.headers['set-cookie']);
      // Parlor's session cookie (docs/contract.md): parlor.sid, httpOnly, SameSite=Lax, 30 days.
      expect(setCookie).toMatch(/^parlor\.sid=/);
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      const expires = Date.parse(/Expires=([^;]+)/i.exec(setCookie)![1]!);
      expect(expires - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
      const me = await server.http.get('/api/auth/me').set('cookie', cookieOf(res.headers['set-cookie'])).expect(200);
      expect(me.body).toEqual(res.body);
    });

    it.each([
      ['username too short', { username: 'ab', password }],
      ['username too long', { username: 'a'.repeat(33), password }],
      ['username with a space', { username: 'bad name', password }],
      ['username with a slash', { username: 'bad/name', password }],
      ['username non-ASCII', { username: 'nöel', password }],
      ['password too short', { username: 'shortpass', password: '1234567' }],
      ['password longer than 1024 characters', { username: 'longpass', password: 'p'.repeat(1025) }],
      ['username missing', { password }],
      ['password missing', { username: 'nopassword' }],
      ['username not a string', { username: 12345, password }],
      ['empty body', {}],
    ])('400 for %s', async (_name, body) => {
      const res = await server.http.post('/api/auth/register').send(body).expect(400);
      expect(res.body).toEqual(error('bad_request'));
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    // The demo page shows a register 400 as it is: it must name the field and its whole rule (the page once
    // answered every 400 with "password: at least 8 characters", though 1025 characters are refused too).
    it.each([
      ['username too short', { username: 'ab', password }, 'username: must be 3 to 32 characters, only letters, digits, _ . -'],
      ['username with a space', { username: 'bad name', password }, 'username: must be 3 to 32 characters, only letters, digits, _ . -'],
      ['password too short', { username: 'shortpass', password: '1234567' }, 'password: must be 8 to 1024 characters'],
      ['password longer than 1024 characters', { username: 'longpass', password: 'p'.repeat(1025) }, 'password: must be 8 to 1024 characters'],
    ])('a 400 for %s names the field and its rule', async (_name, body, message) => {
      const res = await server.http.post('/api/auth/register').send(body).expect(400);
      expect(res.body).toEqual({ error: 'bad_request', message });
    });

    it('accepts the boundaries: 3 and 32 characters, an 8-character password', async () => {
      await server.http.post('/api/auth/register').send({ username: 'abc', password: '12345678' }).expect(201);
      await server.http.post('/api/auth/register').send({ username: 'b'.repeat(32), password: '12345678' }).expect(201);
    });

    it('400 for a body that is not JSON', async () => {
      const broken = await server.http.post('/api/auth/register').set('content-type', 'application/json').send('{"username": ').expect(400);
      expect(broken.body).toEqual(error('bad_request'));
      const text = await server.http.post('/api/auth/register').set('content-type', 'text/plain').send('username=x').expect(400);
      expect(text.body).toEqual(error('bad_request'));
    });

    it('409 when the username is taken, whatever its case', async () => {
      await server.http.post('/api/auth/register').send({ username: 'TakenName', password }).expect(201);
      for (const username of ['TakenName', 'takenname', 'TAKENNAME']) {
        const res = await server.http.post('/api/auth/register').send({ username, password }).expect(409);
        expect(res.body).toEqual(error('conflict'));
      }
    });
  });

  describe('login', () => {
    it('answers 200 {id, username} under a new session id; the old session is signed out', async () => {
      const user = await registerUser(server);
      const res = await server.http
        .post('/api/auth/login')
        .set('cookie', user.cookie)
        .send({ username: user.username, password })
        .expect(200);
      expect(res.body).toEqual({ id: user.id, username: user.username });
      const fresh = cookieOf(res.headers['set-cookie']);
      expect(fresh).not.toBe(user.cookie);
      await server.http.get('/api/auth/me').set('cookie', fresh).expect(200);
      await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(401);
    });

    it('finds the account whatever the case of the username', async () => {
      const user = await registerUser(server, 'CaseUser');
      const res = await server.http.post('/api/auth/login').send({ username: 'caseuser', password }).expect(200);
      expect(res.body.id).toBe(user.id);
    });

    it('401 for a wrong password or an unknown user, with no cookie', async () => {
      const user = await registerUser(server);
      for (const body of [{ username: user.username, password: 'wrong password' }, { username: 'nobody_here', password }]) {
        const res = await server.http.post('/api/auth/login').send(body).expect(401);
        expect(res.body).toEqual(error('unauthorized'));
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });

    it('400 for a malformed body', async () => {
      for (const body of [{}, { username: 'someone' }, { username: 5, password }, { username: 'someone', password: 'p'.repeat(1025) }]) {
        const res = await server.http.post('/api/auth/login').send(body).expect(400);
        expect(res.body).toEqual(error('bad_request'));
      }
      await server.http.post('/api/auth/login').set('content-type', 'application/json').send('nope').expect(400);
    });
  });

  describe('login over a signed-in session', () => {
    it("closes the replaced session's sockets with 4401 at once, not at the next re-check; the new session works", async () => {
      const [first, second] = [await registerUser(server), await registerUser(server)];
      const firstsSocket = await connectClient(server, first.cookie);
      const res = await server.http
        .post('/api/auth/login')
        .set('cookie', first.cookie)
        .send({ username: second.username, password: second.password })
        .expect(200);
      // The server's re-check runs every 60 s by default: a close within a second is the login's.
      expect(await closedWithin(firstsSocket, 1000)).toEqual({ code: 4401, reason: 'logged out' });
      await server.http.get('/api/auth/me').set('cookie', first.cookie).expect(401);
      const replacement = cookieOf(res.headers['set-cookie']);
      const secondsSocket = await connectClient(server, replacement);
      expect((await server.http.get('/api/auth/me').set('cookie', replacement).expect(200)).body).toEqual({ id: second.id, username: second.username });
      secondsSocket.ws.close();
    });
  });

  describe('logout', () => {
    it('204, closes that session\'s sockets with 4401, and leaves the same user\'s other session open', async () => {
      const user = await registerUser(server);
      const other = await registerUser(server);
      const laptop = await login(server, user);
      const phone1 = await connectClient(server, user.cookie);
      const phone2 = await connectClient(server, user.cookie);
      const desk = await connectClient(server, laptop);

      await server.http.post('/api/auth/logout').set('cookie', user.cookie).expect(204);

      expect((await phone1.closed).code).toBe(4401);
      expect((await phone2.closed).code).toBe(4401);
      await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(401);
      await server.http.get('/api/auth/me').set('cookie', laptop).expect(200);
      // The other session's socket is still open and still receives.
      await server.http.post('/api/messages/private').set('cookie', other.cookie).send({ to: user.id, content: 'still there?' }).expect(201);
      expect(await desk.next('private')).toMatchObject({ from: other.id, content: 'still there?' });
      await expectNoFrame(desk, 'error', 0);
    });

    it('401 without a session', async () => {
      const res = await server.http.post('/api/auth/logout').expect(401);
      expect(res.body).toEqual(error('unauthorized'));
    });
  });

  describe('me', () => {
    it('200 with the session, 401 without or with a forged cookie', async () => {
      const user = await registerUser(server);
      const me = await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(200);
      expect(me.body).toEqual({ id: user.id, username: user.username });
      expect((await server.http.get('/api/auth/me').expect(401)).body).toEqual(error('unauthorized'));
      const sid = decodeURIComponent(user.cookie.split('=')[1]!).slice(2).split('.')[0];
      await server.http.get('/api/auth/me').set('cookie', `parlor.sid=${sid}`).expect(401);
      await server.http.get('/api/auth/me').set('cookie', `parlor.sid=s%3A${sid}.forgedsignature`).expect(401);
    });
  });

  describe('a session is needed everywhere but register, login, /healthz and /metrics', () => {
    const routes: Array<[method: 'get' | 'post', path: string]> = [
      ['post', '/api/auth/logout'],
      ['get', '/api/auth/me'],
      ['post', '/api/auth/revoke'],
      ['post', '/api/groups'],
      ['get', '/api/groups'],
      ['get', '/api/groups/1/members'],
      ['post', '/api/groups/invite'],
      ['post', '/api/groups/1/accept'],
      ['post', '/api/groups/1/decline'],
      ['post', '/api/groups/1/leave'],
      ['post', '/api/messages/private'],
      ['post', '/api/messages/group'],
      ['get', '/api/messages/private?user=1'],
      ['get', '/api/messages/group?group=1'],
      ['get', '/api/conversations'],
      ['get', '/api/notifications'],
      ['post', '/api/notifications/read'],
      ['post', '/api/broadcast'],
      ['get', '/api/users/online'],
    ];
    it.each(routes)('%s %s -> 401', async (method, path) => {
      const res = await server.http[method](path).send({}).expect(401);
      expect(res.body).toEqual(error('unauthorized'));
    });

    it('an unknown /api route is a JSON 404 from the standalone server, signed in or not (Parlor\'s router lets it fall through)', async () => {
      const user = await registerUser(server);
      expect((await server.http.get('/api/no-such-route').set('cookie', user.cookie).expect(404)).body).toEqual(error('not_found'));
      expect((await server.http.get('/api/no-such-route').expect(404)).body).toEqual(error('not_found'));
    });

    it('/healthz and /metrics need no session', async () => {
      await server.http.get('/healthz').expect(200);
      await server.http.get('/metrics').expect(200);
    });
  });
});

describe('AUTH_RATE_LIMIT', () => {
  afterAll(closeAll);

  it('answers the 4th register or login within a minute with 429 JSON', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '3' });
    await server.http.post('/api/auth/register').send({ username: 'limited', password }).expect(201);
    await server.http.post('/api/auth/login').send({ username: 'limited', password }).expect(200);
    await server.http.post('/api/auth/login').send({ username: 'limited', password: 'wrong password' }).expect(401);
    for (const [path, body] of [
      ['/api/auth/login', { username: 'limited', password }],
      ['/api/auth/register', { username: 'limited2', password }],
    ] as const) {
      const res = await server.http.post(path).send(body).expect(429).expect('content-type', /json/);
      expect(res.body).toEqual(error('rate_limited'));
    }
    // Other routes are not counted.
    await server.http.get('/healthz').expect(200);
  });

  it('counts a token requested with a password, like a login (credential stuffing through /token)', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '2' });
    await server.http.post('/api/auth/register').send({ username: 'tokenized', password }).expect(201);
    await server.http.post('/api/auth/token').send({ username: 'tokenized', password: 'wrong password' }).expect(401);
    const res = await server.http.post('/api/auth/token').send({ username: 'tokenized', password }).expect(429);
    expect(res.body).toEqual(error('rate_limited'));
  });

  it('does not count a token requested with the session cookie: renewing tokens cannot lock a NAT out of login', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '2' });
    const cookie = cookieOf((await server.http.post('/api/auth/register').send({ username: 'renewer', password }).expect(201)).headers['set-cookie']);
    for (let i = 0; i < 4; i++) await server.http.post('/api/auth/token').set('cookie', cookie).send({}).expect(201);
    // Nor a token request with neither a cookie nor a password (a 401 that tried no password).
    await server.http.post('/api/auth/token').send({}).expect(401);
    await server.http.post('/api/auth/login').send({ username: 'renewer', password }).expect(200);
    await server.http.post('/api/auth/login').send({ username: 'renewer', password }).expect(429);
  });

  it('behind TRUST_PROXY=1, a forged X-Forwarded-For prefix does not buy a fresh budget', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: '1' });
    // The proxy appends the address it saw (10.0.0.9); the client wrote everything to its left.
    const attempt = (i: number) =>
      server.http.post('/api/auth/login').set('x-forwarded-for', `203.0.113.${i}, 10.0.0.9`).send({ username: 'nobody', password });
    await attempt(1).expect(401);
    await attempt(2).expect(401);
    await attempt(3).expect(429);
    // Another client behind the same proxy has its own budget.
    await server.http.post('/api/auth/login').set('x-forwarded-for', '10.0.0.10').send({ username: 'nobody', password }).expect(401);
  });

  it('0 turns the limit off', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '0' });
    await server.http.post('/api/auth/register').send({ username: 'unlimited', password }).expect(201);
    for (let i = 0; i < 40; i++) await server.http.post('/api/auth/login').send({ username: 'unlimited', password: 'wrong password' }).expect(401);
    await server.http.post('/api/auth/login').send({ username: 'unlimited', password }).expect(200);
  });
});
