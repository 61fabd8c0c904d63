/**
 * "A router without side effects" (contract section 4): parlor.router answers only section 2's paths, whose
 * ids are integers. A host path that only looks like one of them (GET /api/groups/featured/members, a host
 * using slugs) reaches the host's handler mounted after the router: no Parlor answer, header or log line,
 * signed in or not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { captureLogger, targetOf, tempDir, type HttpTarget } from '../support/server.js';
import { headerResolver } from '../support/host-app.js';

describe('parlor.router and a host path that only looks like one of its routes', () => {
  let stores: Stores;
  let parlor: Parlor;
  let server: Server;
  let target: HttpTarget;
  const log = captureLogger();

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    parlor = createParlor({ stores, sessionResolver: headerResolver, tokens: false, logger: log.logger });
    const app = express();
    app.use(parlor.router);
    app.get('/api/groups/:slug/members', (req, res) => res.json({ host: 'members', slug: req.params.slug }));
    app.post('/api/users/:handle/block', (req, res) => res.json({ host: 'block', handle: req.params.handle }));
    server = createServer(app);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await parlor.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await stores.close();
  });

  it.each([
    ['get', '/api/groups/featured/members', { host: 'members', slug: 'featured' }],
    ['post', '/api/users/someone/block', { host: 'block', handle: 'someone' }],
  ] as const)('%s %s reaches the host untouched (no Parlor answer, header or log line)', async (method, path, expected) => {
    const before = log.lines.length;
    for (const headers of [{}, { 'x-host-user': '1' }]) {
      const res = await target.http[method](path).set(headers);
      expect({ status: res.status, body: res.body, requestId: res.headers['x-request-id'] }).toEqual({ status: 200, body: expected, requestId: undefined });
    }
    expect(log.lines.slice(before)).toEqual([]);
  });
});
