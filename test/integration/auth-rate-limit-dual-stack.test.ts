/**
 * AUTH_RATE_LIMIT is per client IP (contract section 1) on a dual-stack
 * listener too: HOST=::, or a host app calling `server.listen(port)` with no
 * address (Node's default). There every IPv4 client arrives as
 * `::ffff:a.b.c.d`; masked to an IPv6 /56 that would be `::/56` for all of
 * them, one budget for every IPv4 client. Two loopback source addresses
 * (127.0.0.2 and 127.0.0.1) are two clients.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { closeAll, startTestServer } from '../support/server.js';

/** A failed login sent from `localAddress`; resolves to the status. */
function loginFrom(server: Server, localAddress: string, path = '/api/auth/login'): Promise<number> {
  const port = (server.address() as AddressInfo).port;
  const body = JSON.stringify({ username: 'nobody_here', password: 'wrong password' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('AUTH_RATE_LIMIT on a dual-stack listener (HOST=::)', () => {
  afterAll(closeAll);

  it('one IPv4 client spending its budget does not lock out another IPv4 client', async () => {
    const { server } = await startTestServer({ HOST: '::', AUTH_RATE_LIMIT: '3' });
    for (let i = 0; i < 3; i++) expect(await loginFrom(server, '127.0.0.2')).toBe(401);
    expect(await loginFrom(server, '127.0.0.2')).toBe(429);
    // Another IPv4 client: judged on its own (401, wrong password), not refused with 429.
    expect(await loginFrom(server, '127.0.0.1')).toBe(401);
  });
});

describe("AUTH_RATE_LIMIT in a host app that listens the usual way (server.listen(port): Node's dual-stack ::)", () => {
  const stores = openSqliteStores({ path: ':memory:' });
  const parlor = createParlor({ stores, sessionSecret: 'parlor session secret of at least 32 chars', authRateLimit: 3, passwordHashCost: 10 });
  const app = express();
  app.use('/chat', parlor.router);
  const server = createServer(app);
  parlor.attach(server, { path: '/chat/ws' });
  afterAll(async () => {
    await parlor.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await stores.close();
  });

  it('two IPv4 clients have two budgets', async () => {
    await new Promise<void>((ok) => server.listen(0, ok));
    for (let i = 0; i < 3; i++) expect(await loginFrom(server, '127.0.0.2', '/chat/api/auth/login')).toBe(401);
    expect(await loginFrom(server, '127.0.0.2', '/chat/api/auth/login')).toBe(429);
    expect(await loginFrom(server, '127.0.0.1', '/chat/api/auth/login')).toBe(401);
  });
});
