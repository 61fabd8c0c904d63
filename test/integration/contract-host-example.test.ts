/**
 * The host example of the public contract (section 4; also docs/contract.md,
 * src/index.ts's header and README's "Host-owned users"), run as written with
 * its free names (`hostSession`, `myUsers`, `myGroups`) bound to test doubles:
 * a host sessionResolver and no key to sign bearer tokens. It constructs;
 * tokens are then off exactly as with `tokens: false`, and the log says how
 * to turn them on.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { expressSessionResolver } from '../../src/session/express-session-resolver.js';
import { openSqliteStores as openStores, type SqliteStores, type SqliteStoresOptions } from '../../src/store/sqlite/index.js';
import { mockGroupMemberFetcher, mockUserDirectory } from '../support/mocks.js';
import { captureLogger, closeAll, targetOf, tempDir, upgradeStatus, type HttpTarget } from '../support/server.js';

declare module 'express-session' {
  interface SessionData {
    userId: number;
  }
}

const HOST_SECRET = 'the host application secret';
const hostSession = session({ secret: HOST_SECRET, resave: false, saveUninitialized: false, store: new session.MemoryStore() });
const myUsers = mockUserDirectory([1, 2]);
const myGroups = mockGroupMemberFetcher();
const opened: SqliteStores[] = [];
/** The real one, keeping the stores so the test can close them. */
function openSqliteStores(options: SqliteStoresOptions): SqliteStores {
  const stores = openStores(options);
  opened.push(stores);
  return stores;
}

describe('the contract\'s host example: a host sessionResolver and no token key', () => {
  const log = captureLogger();
  let parlor: Parlor;
  let target: HttpTarget;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const path = join(tempDir(), 'chat.db');
    // The contract's call, word for word but for the logger this test reads.
    parlor = createParlor({
      sessionResolver: expressSessionResolver(hostSession, (session) => session.userId),
      userDirectory: myUsers,
      groupMemberFetcher: myGroups,
      stores: openSqliteStores({ path }),
      logger: log.logger,
    });
    const app = express();
    app.use('/chat', parlor.router);
    const server = createServer(app);
    const detach = parlor.attach(server, { path: '/chat/ws' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    close = async () => {
      detach();
      await parlor.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  afterAll(async () => {
    // The Parlor and its stores first: closeAll removes the temporary folders, and a write worker still opening
    // its file there fails with SQLITE_CANTOPEN (seen in a full run on a busy machine).
    await close?.();
    for (const stores of opened) await stores.close();
    await closeAll();
  });

  it('constructs, and logs once (info, no secret) that bearer tokens are off and how to turn them on', () => {
    const lines = log.lines.filter((l) => /bearer tokens are off/.test(String(l.msg)));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: expect.stringContaining('tokens.secret') });
    expect(JSON.stringify(log.lines)).not.toContain(HOST_SECRET);
  });

  it('parlor.tokens.issue and revokeAll reject, naming tokens.secret', async () => {
    await expect(parlor.tokens.issue(1)).rejects.toThrow(/bearer tokens are off.*tokens\.secret/);
    await expect(parlor.tokens.revokeAll(1)).rejects.toThrow(/tokens\.secret/);
  });

  it('a bearer token is no credential, on the upgrade and on HTTP', async () => {
    const signer = createParlor({ stores: opened[0]!, sessionResolver: { resolve: () => null }, tokens: { secret: 'k'.repeat(32) }, processMetrics: false });
    const { token } = await signer.tokens.issue(1);
    await signer.close();
    const bearer = { authorization: `Bearer ${token}` };
    expect(await upgradeStatus(`${target.wsUrl.replace('/ws', '/chat/ws')}`, bearer)).toBe(401);
    await target.http.get('/chat/api/conversations').set(bearer).expect(401);
  });
});
