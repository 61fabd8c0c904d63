/**
 * README "Use it inside your Express app", the host's shutdown: `await parlor.close()`, then `await stores.close()`
 * ("the stores are the caller's"). Once parlor.close() has resolved, Parlor touches neither the stores nor the
 * host's interfaces: a socket that closes during the shutdown is announced offline by nobody (a survivor's sweep
 * tells the cluster: docs/scaling.md, "Graceful stop"). Before, its announcement read the closed SQLite store
 * (contactsOf) and logged `groupMemberFetcher failed` ("The database connection is not open"), naming an
 * interface the host never gave, or called the host's own contactsOf after close().
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { captureLogger, tempDir } from '../support/server.js';
import { headerResolver, HOST_USER_HEADER } from '../support/host-app.js';

/**
 * The README's host shutdown (`server.close()`, `await parlor.close()`, `server.closeAllConnections()`, `await
 * stores.close()`) with one signed-in socket; `beforeShutdown` runs first. Answers the warnings logged from then on.
 */
async function warningsOfShutdown(beforeShutdown: (ws: WebSocket) => void): Promise<string[]> {
  const log = captureLogger();
  const stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
  const parlor = createParlor({ stores, sessionResolver: headerResolver, tokens: false, logger: log.logger });
  const app = express();
  app.use(parlor.router);
  const server = createServer(app);
  parlor.attach(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  const ws = new WebSocket(url, { headers: { [HOST_USER_HEADER]: '1' } });
  await new Promise<void>((ok, fail) => {
    ws.on('message', () => ok());
    ws.on('error', fail);
  });
  const before = log.lines.length;
  beforeShutdown(ws);
  server.close();
  await parlor.close();
  server.closeAllConnections();
  await stores.close();
  await new Promise((ok) => setTimeout(ok, 500));
  return log.lines.slice(before).filter((l) => l.level >= 40).map((l) => `${l.msg}: ${l.err?.message ?? ''}`);
}

describe('README shutdown order: parlor.close() then stores.close()', () => {
  it('nothing reads the stores after parlor.close() resolved', async () => {
    expect(await warningsOfShutdown((ws) => ws.close())).toEqual([]); // the user leaves just as the host shuts down
  });
  it('a socket still open at shutdown: nothing reads the stores after parlor.close() resolved', async () => {
    expect(await warningsOfShutdown(() => {})).toEqual([]);
  });
});

describe('README shutdown order with a host groupMemberFetcher', () => {
  it('the host contactsOf is not called after parlor.close() resolved (the host closes its pool next)', async () => {
    const stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    let closed = false;
    const callsAfterClose: string[] = [];
    const parlor = createParlor({
      stores,
      sessionResolver: headerResolver,
      tokens: false,
      userDirectory: { existing: (ids) => [...ids] },
      groupMemberFetcher: {
        acceptedMembers: () => null,
        contactsOf: (userId) => {
          if (closed) callsAfterClose.push(`contactsOf(${userId})`);
          return [];
        },
      },
    });
    const app = express();
    app.use(parlor.router);
    const server = createServer(app);
    parlor.attach(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, { headers: { [HOST_USER_HEADER]: '1' } });
    await new Promise<void>((ok, fail) => {
      ws.on('message', () => ok());
      ws.on('error', fail);
    });
    await new Promise((ok) => setTimeout(ok, 100)); // the "came online" announcement is over
    server.close();
    await parlor.close();
    closed = true;
    server.closeAllConnections();
    await stores.close();
    await new Promise((ok) => setTimeout(ok, 500));
    expect(callsAfterClose).toEqual([]);
  });
});
