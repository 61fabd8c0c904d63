/**
 * An existing Express app parses forms for its own pages
 * (`app.use(express.urlencoded(...))`, as most do) before it mounts
 * `app.use('/chat', parlor.router)`. docs/contract.md, "a request body that is
 * not JSON ... is a 400 bad_request before any route runs". Parlor once
 * decided "not JSON" by `req.body === undefined`, which the host's parser had
 * already set: `curl -d '{"ids":[1]}'` (form-encoded) to
 * POST /api/notifications/read then marked every notification read, the bug
 * that rule was made for. It is now decided by the Content-Type.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import supertest from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { headerResolver } from '../support/host-app.js';

const ALICE = 701;
let stores: Stores;
let parlor: Parlor;
let server: Server;
let http: ReturnType<typeof supertest>;

beforeAll(async () => {
  stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
  parlor = createParlor({
    stores,
    sessionResolver: headerResolver,
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE) },
    tokens: false,
    processMetrics: false,
  });
  const app = express();
  app.use(express.urlencoded({ extended: false })); // the host's own form parsing, for its own pages
  app.use('/chat', parlor.router);
  server = createServer(app);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  http = supertest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await parlor.close();
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
  await stores.close();
});

it('a form-encoded body to POST /chat/api/notifications/read is a 400 and marks nothing read', async () => {
  const first = await parlor.manager.notify(ALICE, 'system', 'first');
  await parlor.manager.notify(ALICE, 'system', 'second');
  const res = await http
    .post('/chat/api/notifications/read')
    .set({ 'x-host-user': String(ALICE), 'content-type': 'application/x-www-form-urlencoded' })
    .send(JSON.stringify({ ids: [first.id] }));
  const unread = (await http.get('/chat/api/notifications').set('x-host-user', String(ALICE)).expect(200)).body.unread;
  expect({ status: res.status, error: res.body.error, unread }).toEqual({ status: 400, error: 'bad_request', unread: 2 });
});
