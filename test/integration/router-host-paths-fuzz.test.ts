/**
 * "A router without side effects" (contract section 4), fuzzed: `parlor.router` mounted in a host app answers
 * only the (method, path) pairs of its own routes (section 2's paths, ids in digits); every other method and
 * path reaches the host's handler mounted after it (status 299 here). Paths are sent byte for byte
 * (rawRequest), so malformed percent-encodings (`/api/groups/%E0/accept`), encoded slashes and dots, NULs
 * and doubled slashes reach the server as written.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { HOST_USER_HEADER, headerResolver } from '../support/host-app.js';
import { rawRequest } from '../support/raw-request.js';
import { tempDir } from '../support/server.js';

/** Parlor's routes with a session resolver and its own groups (no accounts: the host signs users in). */
const ROUTES: [string, string][] = [
  ['GET', '/api/groups'], ['GET', '/api/groups/:id/members'], ['POST', '/api/groups'], ['POST', '/api/groups/invite'],
  ['POST', '/api/groups/:id/accept'], ['POST', '/api/groups/:id/decline'], ['POST', '/api/groups/:id/leave'], ['DELETE', '/api/groups/:id/members/:id'],
  ['POST', '/api/messages/private'], ['POST', '/api/messages/group'], ['GET', '/api/messages/private'], ['GET', '/api/messages/group'],
  ['GET', '/api/conversations'], ['GET', '/api/notifications'], ['POST', '/api/notifications/read'], ['POST', '/api/broadcast'],
  ['GET', '/api/users/online'], ['GET', '/api/users'], ['GET', '/api/users/blocked'], ['POST', '/api/users/:id/block'], ['DELETE', '/api/users/:id/block'],
];

/** Whether (method, path) is one of ROUTES, read as Express would: decoded, case-insensitive, trailing slashes aside. */
function isParlors(method: string, path: string): boolean {
  let p: string;
  try {
    p = decodeURIComponent(path.split('?')[0]!);
  } catch {
    return false;
  }
  p = p.replace(/\/+$/, '').toLowerCase();
  const m = method === 'HEAD' ? 'GET' : method;
  return ROUTES.some(([rm, rp]) => rm === m && new RegExp('^' + rp.replace(/:id/g, '\\d+') + '$').test(p));
}

describe('parlor.router in a host app, fuzzed: it answers its own routes only', () => {
  let stores: Stores;
  let parlor: Parlor;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    parlor = createParlor({ stores, sessionResolver: headerResolver, tokens: false });
    const app = express();
    app.use(parlor.router);
    app.use((_req, res) => void res.status(299).json({ host: true }));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(298).json({ hostError: String(err) }));
    server = createServer(app);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await parlor.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await stores.close();
  });

  it('any method on any Parlor-shaped path: Parlor answers only (method, path) pairs of its routes, never a 5xx', async () => {
    const seg = fc.oneof(
      fc.constantFrom('1', '01', '%31', '1%2F2', '%E0', '%E0%A4%A', 'x', '', '..', '%2e%2e', '1.0', '%00', '1%00', '%2F', ';x', '%EF%BC%91', '1e3'),
      fc.nat().map(String),
    );
    const template = fc.constantFrom(...ROUTES.map(([, p]) => p), '/api/groups/:id', '/api/users/:id', '/api/messages/:id', '/api/auth/me', '/api/notifications/:id');
    const path = fc
      .tuple(template, seg, seg, fc.constantFrom('', '/', '//', '?x=1', '/x', '%2F'))
      .map(([t, a, b, tail]) => t.replace(':id', a).replace(':id', b) + tail);
    const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS');
    await fc.assert(
      fc.asyncProperty(method, path, async (m, p) => {
        const body = m === 'GET' || m === 'HEAD' ? undefined : '{}';
        const res = await rawRequest(url, m, p, { [HOST_USER_HEADER]: '5', 'content-type': 'application/json' }, body);
        expect(res.status).toBeLessThan(500);
        // 298 would be an error of Parlor's handed on to the host: not untouched either.
        const parlorAnswered = res.status !== 299;
        expect(parlorAnswered && !isParlors(m, p) ? `${m} ${p} answered by Parlor: ${res.status} ${res.text.slice(0, 80)}` : 'ok').toBe('ok');
      }),
      { numRuns: 600 },
    );
  }, 30_000);
});
