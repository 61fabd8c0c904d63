/**
 * "A router without side effects" (contract section 4): parlor.router answers only section 2's paths, whose
 * ids are integers. A host path that only looks like one of them (GET /api/groups/featured/members, a host
 * using slugs) reaches the host's handler mounted after the router: no Parlor answer, header or log line,
 * signed in or not. So does a path that cannot be decoded at all (a malformed percent-encoding in an id,
 * `/api/users/%E0/block`), whatever the method: Express's router would fail decoding the `:id` and Parlor's
 * error handler would answer a 400 (sent byte for byte with rawRequest: supertest would re-encode it).
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
import { HOST_USER_HEADER, headerResolver } from '../support/host-app.js';
import { rawRequest } from '../support/raw-request.js';

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
    // The host's own handling of everything else: its answer, and its error handler for an error that reached it.
    app.use((req, res) => void res.status(299).json({ host: 'rest', url: req.originalUrl }));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(298).json({ hostError: String(err) }));
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

  it.each([
    ['GET', '/api/users/%E0/block'],
    ['POST', '/api/users/%E0/block'],
    ['DELETE', '/api/users/%E0/block'],
    ['PUT', '/api/groups/%E0/members'],
    ['GET', '/api/groups/%E0%A4%A/members'],
    ['POST', '/api/groups/%E0/accept'],
    ['DELETE', '/api/groups/7/members/%E0'],
  ])('%s %s (a malformed percent-encoding) reaches the host untouched', async (method, path) => {
    const before = log.lines.length;
    for (const headers of [{}, { [HOST_USER_HEADER]: '1' }] as Record<string, string>[]) {
      const res = await rawRequest(target.url, method, path, headers);
      // The host answers: its catch-all (299), or its error handler (298) when its own route cannot decode the id either.
      expect(`${res.status} ${res.text}`).toMatch(/^(299 \{"host":"rest"|298 \{"hostError":"URIError)/);
    }
    expect(log.lines.slice(before)).toEqual([]);
  });

  it('a well-formed path still is Parlor\'s: an encoded digit is the id, a percent-encoded slug the host\'s', async () => {
    const signedIn = { [HOST_USER_HEADER]: '1' };
    // %32 is "2": Parlor's route (unknown user: 404 from Parlor, with its request id).
    const ours = await rawRequest(target.url, 'POST', '/api/users/%32/block', signedIn);
    expect(ours.status).toBe(404);
    expect(JSON.parse(ours.text)).toMatchObject({ error: 'not_found' });
    // A well-formed encoding of a non-digit id: the host's slug, decoded as before.
    const theirs = await rawRequest(target.url, 'GET', '/api/groups/caf%C3%A9/members', signedIn);
    expect({ status: theirs.status, body: JSON.parse(theirs.text) }).toEqual({ status: 200, body: { host: 'members', slug: 'café' } });
  });
});
