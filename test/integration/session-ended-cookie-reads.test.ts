/**
 * A cookie whose session has ended still carries a valid signature: every
 * upgrade and HTTP request it comes with asks the session store before its
 * 401, and a 401 is charged to no budget. The store remembers the ids it
 * found gone (src/session/gone-sessions.ts), so one stranger holding one old
 * cookie costs one read, not one per request (docs/operations.md, "Limits
 * that protect the server").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, registerUsers, startTestServer, upgradeStatus } from '../support/server.js';

afterAll(closeAll);

const N = 100;

describe('a cookie for a session that ended', () => {
  it(`${N} upgrades and ${N} HTTP requests after logout: all 401, no session-store read for them`, async () => {
    const server = await startTestServer();
    const [user] = await registerUsers(server, 1);
    await server.http.post('/api/auth/logout').set('cookie', user!.cookie).expect(204);
    // The store's own read of a session row (its prepared statement), not the calls of its `get`.
    const byId = (server.stores.sessions as unknown as { byId: { get: (...a: unknown[]) => unknown } }).byId;
    const read = byId.get.bind(byId);
    let reads = 0;
    byId.get = (...args: unknown[]) => {
      reads++;
      return read(...args);
    };
    const upgrades = await Promise.all(Array.from({ length: N }, () => upgradeStatus(server.wsUrl, { cookie: user!.cookie })));
    const gets = await Promise.all(
      Array.from({ length: N }, () => server.http.get('/api/conversations').set('cookie', user!.cookie).then((r) => r.status)),
    );
    expect(new Set([...upgrades, ...gets])).toEqual(new Set([401]));
    expect(reads).toBe(0); // destroyed by this instance's logout: known gone without a read
  });
});
