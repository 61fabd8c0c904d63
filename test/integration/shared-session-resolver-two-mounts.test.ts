/**
 * Contract section 5: a cookie session destroyed anywhere closes its sockets
 * with 4401 within SESSION_RECHECK_MS, on every mount. A host with two Parlor
 * mounts (/a and /b) may build its `expressSessionResolver` once and pass it
 * to both; each mount's re-check asks only about its own sessions.
 *
 * It used to be that each `stillValid` call forgot the store of every session
 * it was not asked about: mount A's re-check dropped mount B's sessions, B's
 * re-check then found no store for them and counted them live for ever, so
 * B's sockets outlived the host's logout. (The record is now kept by age:
 * src/session/recorded-stores.ts, test/unit/recorded-stores.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import supertest from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { expressSessionResolver } from '../../src/session/express-session-resolver.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { closeAll, closedWithin, connectClient, cookieOf, sessionIdOf, targetOf, type HttpTarget } from '../support/server.js';

const sessionStore = new session.MemoryStore();
const hostSession = session({ name: 'app.sid', secret: 'host secret of the test app', store: sessionStore, resave: false, saveUninitialized: false });
const opened: Array<{ stores: Stores; parlor: Parlor }> = [];
let server: Server;
let target: HttpTarget;

beforeAll(async () => {
  const sessionResolver = expressSessionResolver(hostSession, (s) => s.accountId, { cookieName: 'app.sid' });
  const app = express();
  app.use(hostSession);
  app.post('/login/:id', (req, res) => {
    (req.session as unknown as { accountId: number }).accountId = Number(req.params.id);
    res.status(204).end();
  });
  server = createServer(app);
  for (const prefix of ['/a', '/b']) {
    const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
    const parlor = createParlor({
      stores,
      sessionResolver,
      userDirectory: { existing: (ids) => [...ids] },
      tokens: false,
      processMetrics: false,
      manager: { sessionRecheckMs: 1000 },
    });
    app.use(prefix, parlor.router);
    parlor.attach(server, { path: `${prefix}/ws` });
    opened.push({ stores, parlor });
  }
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  for (const { parlor, stores } of opened) {
    await parlor.close();
    await stores.close();
  }
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  await closeAll(); // last: it removes the temporary folders the stores above live in
});

async function login(userId: number): Promise<string> {
  const res = await supertest(target.url).post(`/login/${userId}`).expect(204);
  return cookieOf(res.headers['set-cookie']);
}

it('a session the host destroys ends its socket on either mount within the re-check interval, and only its own', async () => {
  const [alice, bob] = [await login(1), await login(2)];
  const onA = await connectClient(target, alice, { url: `${target.url.replace('http', 'ws')}/a/ws` });
  const onB = await connectClient(target, bob, { url: `${target.url.replace('http', 'ws')}/b/ws` });
  await new Promise((r) => setTimeout(r, 1500)); // both mounts have re-checked at least once
  await new Promise<void>((ok) => sessionStore.destroy(sessionIdOf(bob), () => ok())); // the host's logout of bob, elsewhere
  expect(await closedWithin(onB, 3000).catch((err: Error) => err.message)).toEqual({ code: 4401, reason: 'session ended' });
  expect(onA.ws.readyState).toBe(onA.ws.OPEN);
  await new Promise<void>((ok) => sessionStore.destroy(sessionIdOf(alice), () => ok()));
  expect(await closedWithin(onA, 3000).catch((err: Error) => err.message)).toEqual({ code: 4401, reason: 'session ended' });
});
