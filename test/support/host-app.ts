/**
 * A host application in a test: its own Express app and HTTP server, its own
 * authentication (a trusted `x-host-user` header stands in for the host's
 * session) and, optionally, its own users (a UserDirectory), with Parlor
 * mounted at the root over the given stores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll } from 'vitest';
import { createParlor, type Parlor, type ParlorOptions } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import type { SessionResolver } from '../../src/websocket/session-resolver.js';
import { closeAll, connectClient, targetOf, type HttpTarget, type TestClient } from './server.js';

export const HOST_USER_HEADER = 'x-host-user';

/** The host's authentication: whoever the `x-host-user` header names. */
export const headerResolver: SessionResolver = {
  resolve(req) {
    const id = Number(req.headers[HOST_USER_HEADER]);
    return Number.isSafeInteger(id) && id > 0 ? { userId: id, via: 'token' } : null;
  },
};

export interface HostApp extends HttpTarget {
  parlor: Parlor;
  server: Server;
  /** A real `ws` client of that host user. */
  connect(userId: number): Promise<TestClient>;
  /** Headers of an HTTP request by that host user. */
  as(userId: number): Record<string, string>;
  close(): Promise<void>;
}

export async function startHostApp(stores: Stores, options: Omit<Partial<ParlorOptions>, 'stores'> = {}): Promise<HostApp> {
  const parlor = createParlor({ stores, sessionResolver: headerResolver, tokens: false, ...options });
  const app = express();
  app.use(parlor.router);
  const server = createServer(app);
  const detach = parlor.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const as = (userId: number) => ({ [HOST_USER_HEADER]: String(userId) });
  return {
    ...target,
    parlor,
    server,
    as,
    connect: (userId) => connectClient(target, undefined, { headers: as(userId) }),
    async close() {
      detach();
      await parlor.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A host app over fresh SQLite stores in a temp folder (inline writer),
 * started before the suite and closed after it, folder and all. `options`
 * sees the stores (a host persister may be built over others).
 */
export function useSqliteHostApp(options: Omit<Partial<ParlorOptions>, 'stores'> = {}): { readonly host: HostApp; readonly stores: Stores } {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-host-app-'));
  let host: HostApp | undefined;
  let stores: Stores | undefined;
  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    host = await startHostApp(stores, options);
  });
  afterAll(async () => {
    await closeAll();
    await host?.close();
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get host() {
      return host!;
    },
    get stores() {
      return stores!;
    },
  };
}
