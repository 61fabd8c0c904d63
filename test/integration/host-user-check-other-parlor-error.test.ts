/**
 * Mutant H3 (src/auth/token-service.ts, knownToHost): `if (isParlorError(err) && err.code === 'not_found') return false`
 * -> `if (isParlorError(err)) return false` survives test/integration/host-users.test.ts, whose failing
 * directory throws a plain Error only. A ParlorError passes guardInterface unwrapped
 * (src/interface-failure.ts), and ParlorError is exported for hosts (src/index.ts), so a host directory that
 * says it is down with `new ParlorError('unavailable', ...)` would have its users' tokens refused (401) as if
 * the users were deleted. TokenService.verify's own doc: "Rejects when the host's directory fails (an
 * outage is no signed-out user)"; commit 1235528 refuses only a user the directory no longer knows.
 * Passes on the current code (503, as for a plain Error); fails on the mutant (401).
 */
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { ParlorError } from '../../src/errors.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';

describe('a host userDirectory that fails with a ParlorError other than not_found while a token is checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-review-mutation-'));
  let stores: SqliteStores;
  let parlor: Parlor;
  let server: Server;
  let base: string;
  let down = false;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    parlor = createParlor({
      stores,
      sessionSecret: 'a session secret of some length',
      processMetrics: false,
      userDirectory: {
        existing(ids) {
          if (down) throw new ParlorError('unavailable', 'user directory unavailable');
          return ids.filter((id) => id >= 4000);
        },
      },
    });
    const app = express();
    app.use(parlor.router);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await parlor?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 (an outage), not 401 (a deleted user); the token works again once the directory answers', async () => {
    const { token } = await parlor.tokens.issue(4500); // never checked before: not in the cache
    const bearer = { authorization: `Bearer ${token}` };
    down = true;
    try {
      const res = await fetch(`${base}/api/conversations`, { headers: bearer });
      expect(res.status).toBe(503);
    } finally {
      down = false;
    }
    expect((await fetch(`${base}/api/conversations`, { headers: bearer })).status).toBe(200);
  });
});
