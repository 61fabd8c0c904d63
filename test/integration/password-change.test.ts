/**
 * Parlor's own accounts: `POST /api/auth/password` and `POST /api/auth/logout-all`
 * (docs/contract.md, "Password change and log out everywhere"), on a real
 * server (SQLite) with real `ws` clients. A password change keeps the session
 * that made it (under a new id, sockets included) and ends every other
 * sign-in: sessions, tokens, their sockets. Log out everywhere ends them all.
 * Across instances: scale-out-credentials.test.ts. With a host
 * sessionResolver both paths fall through: host-app.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  closedWithin,
  connectClient,
  cookieOf,
  login,
  registerUser,
  sessionIdOf,
  startTestServer,
  type TestClient,
  type TestServer,
  type TestUser,
} from '../support/server.js';
import { holdNextCall } from '../support/hold-calls.js';

const NEW_PASSWORD = 'a brand new passphrase';
/** The contract's bound for a disconnect order. */
const BOUND_MS = 2000;

const isOpen = (client: TestClient) => client.ws.readyState === client.ws.OPEN;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('POST /api/auth/password and /logout-all', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
  });
  afterAll(closeAll);

  const tokenOf = async (cookie: string) => (await server.http.post('/api/auth/token').set('cookie', cookie).expect(201)).body.token as string;
  const me = (credential: { cookie?: string; token?: string }) => {
    const req = server.http.get('/api/auth/me');
    if (credential.cookie) req.set('cookie', credential.cookie);
    if (credential.token) req.set('authorization', `Bearer ${credential.token}`);
    return req;
  };
  const signInWith = (user: TestUser, password: string) => server.http.post('/api/auth/login').send({ username: user.username, password });

  /** A user signed in three ways: the session that will ask, another session (another device), and a bearer token. */
  async function signedInEverywhere() {
    const user = await registerUser(server);
    const other = await login(server, user);
    const token = await tokenOf(user.cookie);
    const sockets = {
      asking: await connectClient(server, user.cookie),
      other: await connectClient(server, other),
      token: await connectClient(server, undefined, bearer(token)),
    };
    return { user, other, token, sockets };
  }

  it('by cookie: the new password signs in and the old one does not; every other session, token and socket ends; the asking session stays, under a new id', async () => {
    const { user, other, token, sockets } = await signedInEverywhere();

    const res = await server.http
      .post('/api/auth/password')
      .set('cookie', user.cookie)
      .send({ current_password: user.password, new_password: NEW_PASSWORD })
      .expect(204);
    const renewed = cookieOf(res.headers['set-cookie']);
    expect(sessionIdOf(renewed)).not.toBe(sessionIdOf(user.cookie)); // regenerated: no fixation

    expect(await closedWithin(sockets.other, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    expect(await closedWithin(sockets.token, BOUND_MS)).toEqual({ code: 4401, reason: 'tokens revoked' });
    await me({ cookie: other }).expect(401);
    await me({ token }).expect(401);
    await me({ cookie: user.cookie }).expect(401); // the old id of the asking session
    expect((await me({ cookie: renewed }).expect(200)).body).toEqual({ id: user.id, username: user.username });

    await signInWith(user, user.password).expect(401);
    await signInWith(user, NEW_PASSWORD).expect(200);

    // The asking session's socket stays open, and now answers to the new id: the re-check keeps it (the old id is
    // gone from the store), and a logout of the new session ends it.
    expect(isOpen(sockets.asking)).toBe(true);
    expect(await server.parlor.manager.recheckSessions()).toBe(0);
    expect(isOpen(sockets.asking)).toBe(true);
    await server.http.post('/api/auth/logout').set('cookie', renewed).expect(204);
    expect(await closedWithin(sockets.asking, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
  });

  it('by bearer token: every session and every token ends, the asking token too; the new password signs in', async () => {
    const { user, other, token, sockets } = await signedInEverywhere();
    await server.http
      .post('/api/auth/password')
      .set('authorization', `Bearer ${token}`)
      .send({ current_password: user.password, new_password: NEW_PASSWORD })
      .expect(204);
    for (const client of [sockets.asking, sockets.other]) expect(await closedWithin(client, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    expect(await closedWithin(sockets.token, BOUND_MS)).toEqual({ code: 4401, reason: 'tokens revoked' });
    for (const credential of [{ cookie: user.cookie }, { cookie: other }, { token }]) await me(credential).expect(401);
    await signInWith(user, NEW_PASSWORD).expect(200);
  });

  it('a wrong current password is a 403 that changes nothing (not a 401: the client is still signed in)', async () => {
    const { user, other, token, sockets } = await signedInEverywhere();
    const res = await server.http
      .post('/api/auth/password')
      .set('cookie', user.cookie)
      .send({ current_password: 'not the password', new_password: NEW_PASSWORD })
      .expect(403);
    expect(res.body).toEqual({ error: 'forbidden', message: 'current_password is not your password' });
    expect(res.headers['set-cookie']).toBeUndefined();
    for (const credential of [{ cookie: user.cookie }, { cookie: other }, { token }]) await me(credential).expect(200);
    expect(Object.values(sockets).map(isOpen)).toEqual([true, true, true]);
    await signInWith(user, NEW_PASSWORD).expect(401);
    await signInWith(user, user.password).expect(200);
  });

  it('a bad body is a 400 naming the field and its rule; a stranger gets 401; nothing changes', async () => {
    const user = await registerUser(server);
    const ask = (body: unknown) => server.http.post('/api/auth/password').set('cookie', user.cookie).send(body as object);
    expect((await ask({ new_password: NEW_PASSWORD }).expect(400)).body.message).toMatch(/^current_password: /);
    expect((await ask({ current_password: user.password }).expect(400)).body.message).toMatch(/^new_password: /);
    expect((await ask({ current_password: user.password, new_password: 'short' }).expect(400)).body).toEqual({
      error: 'bad_request',
      message: 'new_password: must be 8 to 1024 characters',
    });
    expect((await ask({ current_password: user.password, new_password: 'abcdefgh\ud800' }).expect(400)).body.message).toBe(
      'new_password: must be valid Unicode text (no lone surrogates)',
    );
    // Four emoji are eight UTF-16 units but four characters: too short for a new password.
    await ask({ current_password: user.password, new_password: '😀😀😀😀' }).expect(400);
    await server.http.post('/api/auth/password').send({ current_password: user.password, new_password: NEW_PASSWORD }).expect(401);
    await me({ cookie: user.cookie }).expect(200);
    await signInWith(user, user.password).expect(200);
  });

  it('a hash that cannot be stored is a 503 and nothing else happens; a failure after it is stored is a 503 that says so', async () => {
    const { user, other, token, sockets } = await signedInEverywhere();
    const users = server.stores.users;
    const sessions = server.stores.sessions;
    const update = users.updatePasswordHash;
    const destroy = sessions.destroyUserSessions;
    try {
      users.updatePasswordHash = () => Promise.reject(new Error('disk I/O error'));
      const failed = await server.http
        .post('/api/auth/password')
        .set('cookie', user.cookie)
        .send({ current_password: user.password, new_password: NEW_PASSWORD })
        .expect(503);
      expect(failed.body.error).toBe('unavailable');
      expect(failed.headers['set-cookie']).toBeUndefined();
      for (const credential of [{ cookie: user.cookie }, { cookie: other }, { token }]) await me(credential).expect(200);
      expect(Object.values(sockets).map(isOpen)).toEqual([true, true, true]);
      users.updatePasswordHash = update;

      sessions.destroyUserSessions = () => Promise.reject(new Error('disk I/O error'));
      const midway = await server.http
        .post('/api/auth/password')
        .set('cookie', user.cookie)
        .send({ current_password: user.password, new_password: NEW_PASSWORD })
        .expect(503);
      expect(midway.body).toEqual({
        error: 'unavailable',
        message: 'the new password is stored, but other sessions or tokens may still be signed in: sign in with the new password if needed, then POST /api/auth/logout-all',
      });
      await signInWith(user, NEW_PASSWORD).expect(200);
      sessions.destroyUserSessions = destroy;
      // What the message says to do ends what was left.
      await server.http.post('/api/auth/logout-all').set('cookie', cookieOf(midway.headers['set-cookie'])).expect(204);
      await me({ cookie: other }).expect(401);
      expect(await closedWithin(sockets.other, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    } finally {
      users.updatePasswordHash = update;
      sessions.destroyUserSessions = destroy;
    }
  });

  it('log out everywhere: every session (the asking one too), every token and every socket of the user ends; the cookie is cleared', async () => {
    const { user, other, token, sockets } = await signedInEverywhere();
    const bystander = await registerUser(server);
    const bystanderSocket = await connectClient(server, bystander.cookie);

    const res = await server.http.post('/api/auth/logout-all').set('cookie', user.cookie).expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/^parlor\.sid=;.*Expires=Thu, 01 Jan 1970/);
    for (const client of [sockets.asking, sockets.other]) expect(await closedWithin(client, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    expect(await closedWithin(sockets.token, BOUND_MS)).toEqual({ code: 4401, reason: 'tokens revoked' });
    for (const credential of [{ cookie: user.cookie }, { cookie: other }, { token }]) await me(credential).expect(401);
    expect(await server.stores.sessions.destroyUserSessions(user.id)).toEqual([]); // nothing of the user left to delete

    // The password is unchanged, and another user is untouched.
    await signInWith(user, user.password).expect(200);
    expect(isOpen(bystanderSocket)).toBe(true);
    await me({ cookie: bystander.cookie }).expect(200);
  });

  it('log out everywhere by bearer token ends the cookie sessions too', async () => {
    const { user, other, token, sockets } = await signedInEverywhere();
    await server.http.post('/api/auth/logout-all').set('authorization', `Bearer ${token}`).expect(204);
    for (const client of Object.values(sockets)) expect((await closedWithin(client, BOUND_MS)).code).toBe(4401);
    for (const credential of [{ cookie: user.cookie }, { cookie: other }, { token }]) await me(credential).expect(401);
    await server.http.post('/api/auth/logout-all').expect(401);
  });
});

describe('POST /api/auth/password and AUTH_RATE_LIMIT', () => {
  afterAll(closeAll);

  it('wrong current passwords count as password attempts: past the limit a 429, even for the right one', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '3' });
    const user = await registerUser(server); // 1 (register counts)
    const attempt = (current_password: string) =>
      server.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password, new_password: NEW_PASSWORD });
    await attempt('guess number one').expect(403); // 2
    await attempt('guess number two').expect(403); // 3
    expect((await attempt(user.password).expect(429)).body.error).toBe('rate_limited');
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(200);
  });
});

describe('a sign-in under way when the password changes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
  });
  afterAll(closeAll);

  const changeByToken = (token: string, user: TestUser) =>
    server.http.post('/api/auth/password').set('authorization', `Bearer ${token}`).send({ current_password: user.password, new_password: NEW_PASSWORD });
  const tokenOf = async (cookie: string) => (await server.http.post('/api/auth/token').set('cookie', cookie).expect(201)).body.token as string;

  it('a login whose old password was checked before the change, and whose session is saved after it ended the sessions, is refused and its session gone', async () => {
    const user = await registerUser(server);
    const token = await tokenOf(user.cookie);
    const hold = holdNextCall(server.stores.sessions, 'set');
    try {
      const signingIn = server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).then((r) => r);
      await hold.reached; // checked, now saving its session
      await changeByToken(token, user).expect(204);
      hold.release();
      const res = await signingIn;
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'unauthorized', message: 'the password changed while signing in; sign in with the new one' });
      const cookie = cookieOf(res.headers['set-cookie']);
      if (cookie && sessionIdOf(cookie)) await server.http.get('/api/auth/me').set('cookie', cookie).expect(401);
      expect(await server.stores.sessions.destroyUserSessions(user.id)).toEqual([]); // no session of the user is left
    } finally {
      hold.restore();
    }
  });

  // The token's version is read when it is signed (findAccount comes first): held there, it is signed after the
  // change revoked every token.
  it.each([
    ['a token asked for by a session the change then ended', (user: TestUser) => server.http.post('/api/auth/token').set('cookie', user.cookie)],
    ['a token by the old password, checked before the change', (user: TestUser) => server.http.post('/api/auth/token').send({ username: user.username, password: user.password })],
  ])('%s, and signed after it revoked every token, is refused', async (_name, mint) => {
    const user = await registerUser(server);
    const token = await tokenOf(user.cookie);
    const hold = holdNextCall(server.stores.users, 'findAccount');
    try {
      const minting = mint(user).then((r) => r);
      await hold.reached;
      await changeByToken(token, user).expect(204);
      hold.release();
      const res = await minting;
      expect(res.status).toBe(401);
      expect(res.body.token).toBeUndefined();
    } finally {
      hold.restore();
    }
  });
});
