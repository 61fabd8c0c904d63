/**
 * Abusive upgrade requests and a failing session store (issue 5, item 6):
 * the upgrade is refused with a plain HTTP answer, never a crash, and the
 * server keeps serving normal clients afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_TIMEOUT_MS } from '../../src/websocket/upgrade.js';
import { rawUpgrade, startUpgrade, type RawWebSocket } from '../support/raw-ws.js';
import {
  closeAll,
  connectClient,
  expectServing,
  registerUser,
  startTestServer,
  upgradeStatus,
  type TestServer,
  type TestUser,
  useSurvivingServer,
} from '../support/server.js';

type SessionGet = TestServer['stores']['sessions']['get'];

/** Waits for a refused upgrade to finish: the server's status, or 0 when it only closed the socket. */
async function refusal(raw: RawWebSocket): Promise<number> {
  await raw.closed;
  return raw.status;
}

describe('abusive upgrade requests', () => {
  let server: TestServer;
  let alice: TestUser;

  useSurvivingServer((s, user) => {
    server = s;
    alice = user;
  });

  it('refuses an upgrade with thousands of headers (Node header limit: 431, or the socket closed)', async () => {
    const headers: Array<[string, string]> = [];
    for (let i = 0; i < 5000; i++) headers.push([`X-Abuse-${i}`, 'a'.repeat(8)]);
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie, headers });
    const status = await refusal(raw);
    expect([0, 400, 431]).toContain(status);
  });

  it('refuses an upgrade with a 1 MB Sec-WebSocket-Protocol header', async () => {
    const protocols = Array.from({ length: 100_000 }, (_, i) => `p${i}`).join(', ').slice(0, 1024 * 1024);
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie, headers: [['Sec-WebSocket-Protocol', protocols]] });
    expect([0, 400, 431]).toContain(await refusal(raw));
  });

  it('refuses a malformed Sec-WebSocket-Protocol or Sec-WebSocket-Key with 400', async () => {
    const duplicate = await rawUpgrade(server.url, { cookie: alice.cookie, headers: [['Sec-WebSocket-Protocol', 'chat, chat']] });
    expect(await refusal(duplicate)).toBe(400);
    const badToken = await rawUpgrade(server.url, { cookie: alice.cookie, headers: [['Sec-WebSocket-Protocol', 'a b{}']] });
    expect(await refusal(badToken)).toBe(400);
    // A second key header: Node joins the two, which is no valid key.
    const twoKeys = await rawUpgrade(server.url, { cookie: alice.cookie, headers: [['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']] });
    expect(await refusal(twoKeys)).toBe(400);
  });

  it('accepts many subprotocols within the header limit without choking', async () => {
    const protocols = Array.from({ length: 1000 }, (_, i) => `p${i}`).join(',');
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie, headers: [['Sec-WebSocket-Protocol', protocols]] });
    expect(raw.status).toBe(101);
    await raw.nextMessage('welcome');
    raw.destroy();
  });

  it('refuses upgrades on other paths and with junk cookies, without consulting anything it should not', async () => {
    const other = await rawUpgrade(server.url, { cookie: alice.cookie, path: '/not-ws' });
    expect([0, 400, 404]).toContain(await refusal(other));
    expect(await upgradeStatus(server.wsUrl, { cookie: `parlor.sid=${'%'.repeat(3000)}` })).toBe(401);
    expect(await upgradeStatus(server.wsUrl, { cookie: 'parlor.sid=s%3Anot-a-session.bad-signature' })).toBe(401);
  });
});

describe('a session store that fails during an upgrade', () => {
  let server: TestServer;
  let alice: TestUser;
  let sessions: TestServer['stores']['sessions'];

  beforeAll(async () => {
    server = await startTestServer();
    alice = await registerUser(server);
    sessions = server.stores.sessions;
  });
  afterEach(async () => {
    // Restore the store's own method, then prove the server recovered.
    delete (sessions as { get?: SessionGet }).get;
    sessions.emit('connect');
    const client = await connectClient(server, alice.cookie);
    client.ws.terminate();
    await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200);
    await expectServing(server);
  });
  afterAll(closeAll);

  function failWith(get: (sid: string, cb: (err: unknown, session?: null) => void) => void): void {
    Object.defineProperty(sessions, 'get', { value: get, configurable: true, writable: true });
  }

  it('answers 503 with a JSON body when the store calls back an error, and the HTTP routes answer 503', async () => {
    failWith((_sid, cb) => setImmediate(() => cb(new Error('connection refused'))));
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie });
    expect(await refusal(raw)).toBe(503);
    expect(JSON.parse(raw.body)).toMatchObject({ error: 'unavailable' });
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie })).toBe(503);

    const me = await server.http.get('/api/auth/me').set('cookie', alice.cookie);
    expect(me.status).toBe(503);
    expect(me.body).toMatchObject({ error: 'unavailable', message: expect.any(String) });
  });

  it('answers 503 when the store throws synchronously', async () => {
    failWith(() => {
      throw new Error('store exploded');
    });
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie })).toBe(503);
    const me = await server.http.get('/api/auth/me').set('cookie', alice.cookie);
    expect(me.status).toBe(503);
    expect(me.body).toMatchObject({ error: 'unavailable' });
  });

  // express-session stops consulting a store that emitted 'disconnect' and
  // leaves req.session unset; a valid cookie must not read as "signed out".
  it('answers 503, not 401, to HTTP routes while the store reports itself disconnected; bearer tokens still work', async () => {
    const { body } = await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201);
    sessions.emit('disconnect');
    const me = await server.http.get('/api/auth/me').set('cookie', alice.cookie);
    expect(me.status).toBe(503);
    expect(me.body).toMatchObject({ error: 'unavailable' });
    await server.http.post('/api/auth/login').send({ username: alice.username, password: alice.password }).expect(503);
    await server.http.get('/api/auth/me').set('authorization', `Bearer ${body.token}`).expect(200);
  });

  it('register and login answer 503 while the store is disconnected, an Authorization header or not, and store no account', async () => {
    sessions.emit('disconnect');
    for (const headers of [{}, { authorization: 'Bearer not-a-valid-token' }]) {
      const username = `down_${Math.random().toString(36).slice(2, 10)}`;
      const res = await server.http.post('/api/auth/register').set(headers).send({ username, password: 'correct horse' });
      expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { error: 'unavailable', message: expect.any(String) } });
      expect(await server.stores.users.findByUsername(username)).toBeNull();
      await server.http.post('/api/auth/login').set(headers).send({ username: alice.username, password: alice.password }).expect(503);
    }
  });

  it('a session that cannot be saved: register answers 503 and undoes the account, so the retry is a 201, not a 409', async () => {
    const store = sessions as unknown as { set: (sid: string, session: unknown, cb: (err?: unknown) => void) => void };
    const set = store.set;
    Object.defineProperty(store, 'set', { value: (_sid: string, _s: unknown, cb: (err?: unknown) => void) => setImmediate(() => cb(new Error('connection refused'))), configurable: true, writable: true });
    const username = `unsaved_${Math.random().toString(36).slice(2, 10)}`;
    let first;
    try {
      first = await server.http.post('/api/auth/register').send({ username, password: 'correct horse' });
      expect((await server.http.post('/api/auth/login').send({ username: alice.username, password: alice.password })).status).toBe(503);
    } finally {
      Object.defineProperty(store, 'set', { value: set, configurable: true, writable: true });
    }
    expect({ status: first.status, body: first.body }).toEqual({ status: 503, body: { error: 'unavailable', message: expect.any(String) } });
    expect(await server.stores.users.findByUsername(username)).toBeNull();
    await server.http.post('/api/auth/register').send({ username, password: 'correct horse' }).expect(201);
  });

  it('a session the store cannot destroy: logout answers 503 and the session stays signed in (retry the logout)', async () => {
    const store = sessions as unknown as { destroy: (sid: string, cb: (err?: unknown) => void) => void };
    const destroy = store.destroy;
    Object.defineProperty(store, 'destroy', { value: (_sid: string, cb: (err?: unknown) => void) => setImmediate(() => cb(new Error('connection refused'))), configurable: true, writable: true });
    let res;
    try {
      res = await server.http.post('/api/auth/logout').set('cookie', alice.cookie);
    } finally {
      Object.defineProperty(store, 'destroy', { value: destroy, configurable: true, writable: true });
    }
    expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { error: 'unavailable', message: expect.any(String) } });
    await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200);
  });

  it('answers 503, not 401, to an upgrade while the store reports itself disconnected', async () => {
    sessions.emit('disconnect');
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie })).toBe(503);
  });

  it('answers 503 after DEFAULT_SESSION_TIMEOUT_MS when the store never answers, and survives clients that gave up', async () => {
    failWith(() => {}); // a blackholed store: the callback never comes
    const impatient = Array.from({ length: 5 }, () => startUpgrade(server.url, { cookie: alice.cookie }));
    await new Promise((r) => setTimeout(r, 50));
    for (const { socket } of impatient) socket.destroy();
    const started = Date.now();
    expect(await upgradeStatus(server.wsUrl, { cookie: alice.cookie })).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DEFAULT_SESSION_TIMEOUT_MS - 100);
    expect(Date.now() - started).toBeLessThan(DEFAULT_SESSION_TIMEOUT_MS + 2000);
  }, DEFAULT_SESSION_TIMEOUT_MS + 10_000);

  it('still answers 401 to an upgrade with no cookie while the store fails (nothing to look up)', async () => {
    failWith((_sid, cb) => cb(new Error('connection refused')));
    expect(await upgradeStatus(server.wsUrl)).toBe(401);
  });

  it('survives a burst of upgrades against a failing store without an unhandled rejection', async () => {
    failWith((_sid, cb) => setImmediate(() => cb(new Error('connection refused'))));
    const statuses = await Promise.all(Array.from({ length: 50 }, () => upgradeStatus(server.wsUrl, { cookie: alice.cookie })));
    expect(new Set(statuses)).toEqual(new Set([503]));
  });
});
