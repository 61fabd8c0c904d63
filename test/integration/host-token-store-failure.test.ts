/**
 * Contract section 4, "errors the host can read": "a
 * throwing sessionResolver, userDirectory or groupMemberFetcher answers 503
 * unavailable ... and the log names which interface failed". When Parlor's own
 * token-version store fails on a bearer request, that is Parlor's failure:
 * the log and the answer must not blame the host's sessionResolver, which
 * answered fine (it once shared one guard with the token check).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { captureLogger, upgradeStatus } from '../support/server.js';

describe("a failure of Parlor's own token store, behind a host sessionResolver that answered", () => {
  const dir = mkdtempSync(join(tmpdir(), 'review-hostapi-'));
  const { logger, lines } = captureLogger();
  let stores: Stores;
  let host: HostApp;
  let failing = false;
  let hostResolverCalls = 0;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    const versions = stores.tokenVersions;
    const current = versions.current.bind(versions);
    versions.current = (userId: number) => {
      if (failing) throw new Error('token_versions table unreadable');
      return current(userId);
    };
    host = await startHostApp(stores, {
      logger,
      userDirectory: { existing: (ids) => [...ids] },
      // The host's resolver answers "nobody" without failing: this request carries no host session.
      sessionResolver: { resolve: () => (hostResolverCalls++, null) },
      tokens: { secret: 'a bearer token secret of 32+ characters!' },
    });
  });
  afterAll(async () => {
    await host.close();
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not name the host sessionResolver as the interface that failed', async () => {
    const { token } = await host.parlor.tokens.issue(7);
    failing = true;
    const res = await host.http.get('/api/users/online').set('authorization', `Bearer ${token}`);
    failing = false;
    expect(hostResolverCalls).toBeGreaterThan(0);
    const blamed = lines.filter((l) => l.interface === 'sessionResolver');
    expect(res.body.message ?? '').not.toMatch(/sessionResolver/);
    expect(blamed).toEqual([]);
    expect(res.status).toBe(500);
  });

  it('nor on the upgrade: 503 without naming it, logged as an error', async () => {
    const { token } = await host.parlor.tokens.issue(7);
    failing = true;
    const status = await upgradeStatus(host.wsUrl, { authorization: `Bearer ${token}` });
    failing = false;
    expect(status).toBe(503);
    expect(lines.filter((l) => l.interface === 'sessionResolver')).toEqual([]);
    expect(lines.some((l) => l.level === 50 && l.msg === 'session lookup failed during upgrade')).toBe(true);
  });
});
