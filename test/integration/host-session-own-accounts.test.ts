/**
 * Parlor's own accounts inside a host app that runs its own express-session
 * on every request, in front of Parlor's router (the README's "Parlor keeps
 * its accounts" mounting, in an app that already has sessions for other
 * things). express-session skips a request that already has `req.session`,
 * so Parlor's session must live elsewhere: Parlor never reads the host's
 * session as a Parlor sign-in, and never writes, regenerates or destroys it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { closeAll, connectClient, targetOf, upgradeStatus, type HttpTarget } from '../support/server.js';

declare module 'express-session' {
  interface SessionData {
    cart: string;
  }
}

/** `name=value` of each Set-Cookie header, by cookie name. */
function cookiesOf(setCookie: string | string[] | undefined): Map<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return new Map(list.map((c) => c.split(';')[0]!).map((pair) => [pair.split('=')[0]!, pair]));
}

describe("Parlor's own accounts in a host app with its own express-session in front", () => {
  let stores: SqliteStores;
  let parlor: Parlor;
  let server: Server;
  let target: HttpTarget;
  const hostStore = new session.MemoryStore();
  let hostCookie: string;

  /** What the host's store holds for its visitor's session. */
  const hostSessionData = (): Promise<Record<string, unknown> | null | undefined> =>
    new Promise((ok, fail) => {
      const sid = decodeURIComponent(hostCookie.split('=')[1]!).slice(2).split('.')[0]!;
      hostStore.get(sid, (err, data) => (err ? fail(err) : ok(data as Record<string, unknown> | null | undefined)));
    });

  beforeAll(async () => {
    stores = openSqliteStores({ path: ':memory:' });
    parlor = createParlor({ stores, sessionSecret: 'parlor session secret of at least 32 chars' });
    const app = express();
    app.use(session({ name: 'host.sid', secret: 'the host app secret', store: hostStore, resave: false, saveUninitialized: false }));
    app.use(express.json());
    // The host keeps its own state in its session, under names Parlor also uses.
    app.post('/host/visit', (req, res) => {
      req.session.cart = 'three books';
      (req.session as unknown as Record<string, unknown>).userId = 1;
      res.json({ ok: true });
    });
    app.get('/host/cart', (req, res) => {
      res.json({ cart: req.session.cart ?? null });
    });
    app.use('/chat', parlor.router);
    server = createServer(app);
    parlor.attach(server, { path: '/chat/ws' });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    hostCookie = cookiesOf((await target.http.post('/host/visit').expect(200)).headers['set-cookie']).get('host.sid')!;
  });

  afterAll(async () => {
    await parlor.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    // Before closeAll removes the temporary folder: the write worker may still be opening the file in it.
    await stores.close();
    await closeAll();
  });

  it("the host's session is not a Parlor sign-in, even with a userId in it", async () => {
    // Parlor account 1 exists; the host's session says userId 1 for its own reasons.
    await target.http.post('/chat/api/auth/register').send({ username: 'first', password: 'first password' }).expect(201);
    const me = await target.http.get('/chat/api/auth/me').set('cookie', hostCookie).expect(401);
    expect(me.body.error).toBe('unauthorized');
    await target.http.get('/chat/api/conversations').set('cookie', hostCookie).expect(401);
    expect(await upgradeStatus(`${target.wsUrl.replace(/\/ws$/, '/chat/ws')}`, { cookie: hostCookie })).toBe(401);
  });

  it("register, me, a socket and logout use Parlor's own cookie; the host's session is left as it was", async () => {
    const registered = await target.http
      .post('/chat/api/auth/register')
      .set('cookie', hostCookie)
      .send({ username: 'alice', password: 'alice password' })
      .expect(201);
    const set = cookiesOf(registered.headers['set-cookie']);
    const parlorCookie = set.get('parlor.sid');
    expect(parlorCookie, 'Parlor sets its own cookie').toBeDefined();
    expect(set.has('host.sid'), "Parlor does not re-issue the host's cookie").toBe(false);
    const both = `${hostCookie}; ${parlorCookie}`;

    expect((await target.http.get('/chat/api/auth/me').set('cookie', both).expect(200)).body).toEqual({ id: registered.body.id, username: 'alice' });
    const socket = await connectClient(target, both, { url: target.wsUrl.replace(/\/ws$/, '/chat/ws') });
    expect(socket.frames[0]).toMatchObject({ type: 'welcome', user_id: registered.body.id });

    // The host's session: same id, same data, nothing of Parlor's in it.
    expect((await target.http.get('/host/cart').set('cookie', hostCookie).expect(200)).body).toEqual({ cart: 'three books' });
    const stored = await hostSessionData();
    expect(stored).toMatchObject({ cart: 'three books', userId: 1 });
    expect(stored).not.toHaveProperty('username');

    await target.http.post('/chat/api/auth/logout').set('cookie', both).expect(204);
    await target.http.get('/chat/api/auth/me').set('cookie', both).expect(401);
    expect(await hostSessionData(), "Parlor's logout does not destroy the host's session").toMatchObject({ cart: 'three books' });
  });

  it("login signs in to Parlor's session, not the host's", async () => {
    const login = await target.http.post('/chat/api/auth/login').set('cookie', hostCookie).send({ username: 'alice', password: 'alice password' }).expect(200);
    const set = cookiesOf(login.headers['set-cookie']);
    expect(set.has('parlor.sid')).toBe(true);
    expect(set.has('host.sid')).toBe(false);
    expect(await hostSessionData()).not.toHaveProperty('username');
    await target.http.get('/chat/api/auth/me').set('cookie', set.get('parlor.sid')!).expect(200);
  });
});
