/**
 * The order in which a password change and "log out everywhere" end sign-ins
 * (src/auth/end-sign-ins.ts; docs/contract.md, "Password change and log out
 * everywhere"), with a step held or failing at a chosen point: on a real
 * server (SQLite) with real `ws` clients. What must hold whatever the timing:
 * the credential that asks can ask again after any failure that leaves it
 * alive; no token minted meanwhile survives; the asking session's sockets are
 * never taken for ended (session re-check, an upgrade under way); a sign-in
 * made after the sessions were deleted keeps its socket; wrong current
 * passwords are bounded per user, not only per address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  closedWithin,
  connectClient,
  cookieOf,
  registerUser,
  sessionIdOf,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../support/server.js';
import { holdCalls, holdNextCall } from '../support/hold-calls.js';
import { deferred } from '../support/mocks.js';
import { rawRequest } from '../support/raw-request.js';

const NEW_PASSWORD = 'a brand new passphrase';
const TOKEN_SECRET = 'token-secret-token-secret-token-secret-0123';
/** The contract's bound for a disconnect order. */
const BOUND_MS = 2000;

const isOpen = (client: TestClient) => client.ws.readyState === client.ws.OPEN;

describe('password change and log out everywhere: the order of their steps', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET });
  });
  afterAll(closeAll);

  const change = (cookie: string, current: string) =>
    server.http.post('/api/auth/password').set('cookie', cookie).send({ current_password: current, new_password: NEW_PASSWORD });
  const tokenOf = async (cookie: string) => (await server.http.post('/api/auth/token').set('cookie', cookie).expect(201)).body.token as string;
  const meByToken = (token: string) => server.http.get('/api/auth/me').set('authorization', `Bearer ${token}`);

  /** Replaces `target[method]` until `restore()`; the original is handed to the stand-in. */
  function replace<T extends object, K extends keyof T>(target: T, method: K, make: (original: T[K]) => T[K]) {
    const original = target[method];
    target[method] = make(original);
    return { restore: () => void (target[method] = original) };
  }

  it('log out everywhere whose token revocation fails: a 503 "try again", and the same cookie asks again and ends the tokens', async () => {
    const user = await registerUser(server);
    const token = await tokenOf(user.cookie);
    const tokenSocket = await connectClient(server, undefined, { headers: { authorization: `Bearer ${token}` } });
    const failing = replace(server.stores.tokenVersions, 'bump', () => () => Promise.reject(new Error('disk I/O error')));
    let first;
    try {
      first = await server.http.post('/api/auth/logout-all').set('cookie', user.cookie);
    } finally {
      failing.restore();
    }
    expect([first.status, first.body]).toEqual([503, { error: 'unavailable', message: 'not every session or token could be ended; try again' }]);
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(200);
    await server.http.post('/api/auth/logout-all').set('cookie', user.cookie).expect(204);
    await meByToken(token).expect(401);
    expect(await closedWithin(tokenSocket, BOUND_MS)).toEqual({ code: 4401, reason: 'tokens revoked' });
  });

  it('log out everywhere whose last revocation fails, after the asking session ended: the 503 says to sign in again', async () => {
    const user = await registerUser(server);
    let bumps = 0;
    const failing = replace(server.stores.tokenVersions, 'bump', (bump) => function (this: unknown, ...args) {
      bumps += 1;
      return bumps === 2 ? Promise.reject(new Error('disk I/O error')) : bump.apply(this, args);
    } as typeof bump);
    let res;
    try {
      res = await server.http.post('/api/auth/logout-all').set('cookie', user.cookie);
    } finally {
      failing.restore();
    }
    expect([res.status, res.body]).toEqual([
      503,
      { error: 'unavailable', message: 'this session has ended, but not every token could be revoked: sign in again, then POST /api/auth/logout-all again' },
    ]);
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(401);
  });

  it('a token the asking session mints between the first revocation and its own end is revoked too', async () => {
    const user = await registerUser(server);
    let minted: string | undefined;
    const minting = replace(server.stores.tokenVersions, 'bump', (bump) => async function (this: unknown, ...args) {
      const version = await bump.apply(this, args);
      // Right after the first revocation, while the asking session still exists: its token check lets it through.
      minted ??= await tokenOf(user.cookie);
      return version;
    } as typeof bump);
    try {
      await server.http.post('/api/auth/logout-all').set('cookie', user.cookie).expect(204);
    } finally {
      minting.restore();
    }
    expect(minted).toBeDefined();
    await meByToken(minted!).expect(401);
  });

  it("a session re-check that runs while the change ends the other sign-ins keeps the asking session's socket", async () => {
    const user = await registerUser(server);
    const asking = await connectClient(server, user.cookie);
    const held = holdNextCall(server.stores.sessions, 'destroyUserSessions');
    try {
      const changing = change(user.cookie, user.password).then((res) => res);
      await held.reached;
      expect(await server.parlor.manager.recheckSessions()).toBe(0);
      held.release();
      const res = await changing;
      expect(res.status).toBe(204);
      expect(await server.parlor.manager.recheckSessions()).toBe(0);
      expect(isOpen(asking)).toBe(true);
      // It answers to the new id: a logout of it ends the socket.
      await server.http.post('/api/auth/logout').set('cookie', cookieOf(res.headers['set-cookie'])).expect(204);
      expect(await closedWithin(asking, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    } finally {
      held.restore();
      held.release();
    }
  });

  it("a session re-check that runs while the new session is being saved keeps the asking session's socket (the old id is not deleted first)", async () => {
    const user = await registerUser(server);
    const asking = await connectClient(server, user.cookie);
    const held = holdNextCall(server.stores.sessions, 'set');
    try {
      const changing = change(user.cookie, user.password).then((res) => res);
      await held.reached; // the new hash is stored; the new session is being saved
      expect(await server.parlor.manager.recheckSessions()).toBe(0);
      held.release();
      expect((await changing).status).toBe(204);
      expect(isOpen(asking)).toBe(true);
    } finally {
      held.restore();
      held.release();
    }
  });

  it("a session re-check whose question is out while the change renames and deletes keeps the asking session's socket", async () => {
    const user = await registerUser(server);
    const asking = await connectClient(server, user.cookie);
    const held = holdNextCall(server.stores.sessions, 'liveSessionIds');
    try {
      const rechecking = server.parlor.manager.recheckSessions();
      await held.reached; // it asks about the old id, and reads the store only after the change
      await change(user.cookie, user.password).expect(204);
      held.release();
      expect(await rechecking).toBe(0);
      expect(isOpen(asking)).toBe(true);
    } finally {
      held.restore();
      held.release();
    }
  });

  it("a failure after the new hash is stored leaves the asking session's socket under its new id (the re-check keeps it)", async () => {
    const user = await registerUser(server);
    const asking = await connectClient(server, user.cookie);
    const failing = replace(server.stores.tokenVersions, 'bump', () => () => Promise.reject(new Error('disk I/O error')));
    let res;
    try {
      res = await change(user.cookie, user.password);
    } finally {
      failing.restore();
    }
    expect(res.status).toBe(503);
    await server.http.get('/api/auth/me').set('cookie', cookieOf(res.headers['set-cookie'])).expect(200);
    expect(await server.parlor.manager.recheckSessions()).toBe(0);
    expect(isOpen(asking)).toBe(true);
  });

  it('an upgrade of the asking session that read the old id before the change and opens after it answers to the new id', async () => {
    const user = await registerUser(server);
    const oldSid = sessionIdOf(user.cookie);
    const store = server.stores.sessions as unknown as { get: (sid: string, cb: (err: unknown, s?: unknown) => void) => void };
    const read = deferred();
    const release = deferred();
    let armed = true;
    const slow = replace(store, 'get', (get) => function (this: unknown, sid, cb) {
      if (!armed || sid !== oldSid) return get.call(this, sid, cb);
      armed = false;
      return get.call(this, sid, (err: unknown, sess?: unknown) => {
        read.resolve();
        void release.promise.then(() => cb(err, sess));
      });
    });
    try {
      const connecting = connectClient(server, user.cookie);
      await read.promise;
      const res = await change(user.cookie, user.password).expect(204);
      release.resolve();
      const late = await connecting;
      expect(await server.parlor.manager.recheckSessions()).toBe(0);
      expect(isOpen(late)).toBe(true);
      await server.http.post('/api/auth/logout').set('cookie', cookieOf(res.headers['set-cookie'])).expect(204);
      expect(await closedWithin(late, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
    } finally {
      slow.restore();
      release.resolve();
    }
  });

  for (const route of ['password', 'logout-all'] as const) {
    it(`a sign-in whose socket opens while ${route} is still ending sign-ins (after the sessions were deleted) keeps its socket`, async () => {
      const user = await registerUser(server);
      const password = route === 'password' ? NEW_PASSWORD : user.password;
      const other = await connectClient(server, cookieOf((await server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200)).headers['set-cookie']));
      const held = holdCalls(server.stores.tokenVersions, 'bump');
      try {
        const ending = (route === 'password' ? change(user.cookie, user.password) : server.http.post('/api/auth/logout-all').set('cookie', user.cookie)).then((res) => res);
        await held.reached; // the sessions are deleted; the tokens are being revoked
        const fresh = cookieOf((await server.http.post('/api/auth/login').send({ username: user.username, password }).expect(200)).headers['set-cookie']);
        const phone = await connectClient(server, fresh);
        held.release();
        expect((await ending).status).toBe(204);
        // The session that existed before ends; the new one, its socket included, does not.
        expect(await closedWithin(other, BOUND_MS)).toEqual({ code: 4401, reason: 'logged out' });
        await server.http.get('/api/auth/me').set('cookie', fresh).expect(200);
        // Its socket is still open once every order of the request was carried out: a frame answered after them.
        phone.send('not json');
        expect((await phone.next('error')).code).toBe('bad_request');
        expect(isOpen(phone)).toBe(true);
      } finally {
        held.restore();
        held.release();
      }
    });
  }
});

describe('wrong current passwords are bounded per user', () => {
  afterAll(closeAll);

  it('AUTH_RATE_LIMIT wrong guesses a minute per user, from any address and credential; then a 429, also for the right one; another user is untouched', async () => {
    const server = await startTestServer({ AUTH_RATE_LIMIT: '3', TOKEN_SECRET });
    const user = await registerUser(server);
    const other = await registerUser(server);
    const token = (await server.http.post('/api/auth/token').set('cookie', user.cookie).expect(201)).body.token as string;
    const guess = async (address: string, headers: Record<string, string>, current = 'a wrong guess here') =>
      (await rawRequest(server.url, 'POST', '/api/auth/password', { 'content-type': 'application/json', ...headers }, JSON.stringify({ current_password: current, new_password: NEW_PASSWORD }), { localAddress: address })).status;
    // Requests that are no guess do not count: a bad body, a right password.
    expect(await guess('127.0.0.2', { cookie: user.cookie }, 'short')).toBe(400);
    const statuses = [
      await guess('127.0.0.2', { cookie: user.cookie }),
      await guess('127.0.0.3', { authorization: `Bearer ${token}` }),
      await guess('127.0.0.4', { cookie: user.cookie }),
      // Each address has spent one of its own 3: only the user's bound stops these.
      await guess('127.0.0.5', { authorization: `Bearer ${token}` }),
      await guess('127.0.0.6', { cookie: user.cookie }, user.password),
    ];
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
    expect(await guess('127.0.0.7', { cookie: other.cookie })).toBe(403);
  });
});
