/**
 * What an instance missed while its Redis subscription was gone: the
 * invalidations published meanwhile (by an instance whose own connection was
 * up, so it did not know) never arrive. Once subscribed again, the instance
 * empties its caches, so a member the host removed is not served from its
 * old answer for good. Instance B reaches the real Redis through a TCP proxy
 * that the test cuts; Redis itself is never touched.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { hostGroups } from '../support/host-groups.js';
import { captureLogger, closeAll } from '../support/server.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const [ALICE, BOB] = [751, 752];
const TEAM = 8051;

await describeWithRedis('after a lost Redis subscription (RedisBroker)', (url) => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-redis-resubscribe-'));
  const prefix = `parlor-test-${randomUUID().slice(0, 8)}`;
  const tables = new Map([[TEAM, { name: 'team', members: [ALICE, BOB] }]]);
  const logB = captureLogger();
  let stores: Stores;
  let proxy: TcpProxy;
  const brokers: RedisBroker[] = [];
  const hosts: HostApp[] = [];

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    const target = new URL(url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    for (const [brokerUrl, log] of [
      [url, captureLogger()],
      [proxy.via(url), logB],
    ] as const) {
      const broker = new RedisBroker({ url: brokerUrl, prefix, logger: log.logger });
      await broker.waitUntilReady();
      brokers.push(broker);
      hosts.push(
        await startHostApp(stores, {
          broker,
          userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === BOB) },
          groupMemberFetcher: hostGroups(tables),
          logger: log.logger,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const host of hosts) await host.close();
    for (const broker of brokers) await broker.close();
    await proxy?.close();
    await stores?.close();
    await deleteRedisKeys(url, prefix);
    rmSync(dir, { recursive: true, force: true });
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('an invalidation published while B was unsubscribed: B forgets its caches once subscribed again', async () => {
    const [A, B] = hosts as [HostApp, HostApp];
    const read = (host: HostApp) => host.http.get(`/api/messages/group?group=${TEAM}`).set(host.as(BOB));
    await read(B).expect(200); // B now keeps the members, Bob among them

    await proxy.cut();
    await vi.waitFor(() => expect(brokers[1]!.status).toBe('down'), { timeout: 5000, interval: 20 });
    tables.get(TEAM)!.members.splice(1, 1); // the host removes Bob ...
    A.parlor.invalidateGroup(TEAM); // ... and says so; B is not there to hear it
    await read(A).expect(403);

    const resubscribed = logB.lines.filter((l) => l.msg === 'redis: subscribed').length;
    await proxy.restore();
    await vi.waitFor(() => expect(logB.lines.filter((l) => l.msg === 'redis: subscribed').length).toBeGreaterThan(resubscribed), { timeout: 10_000, interval: 20 });
    expect((await read(B).expect(403)).body.error).toBe('forbidden');
  });
});
