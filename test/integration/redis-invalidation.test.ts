/**
 * `parlor.invalidateUser` / `parlor.invalidateGroup` across instances: two
 * host apps, each with its own RedisBroker (one fresh key prefix) and its own
 * host interfaces over the same host tables, share one store. An
 * invalidation on A makes B ask its host again; junk on the invalidation
 * channel is ignored with a warning.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { RedisNames } from '../../src/broker/channels.js';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { hostGroups } from '../support/host-groups.js';
import { captureLogger, closeAll } from '../support/server.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';

const ALICE = 701;
const BOB = 702;
const CAROL = 703;
const TEAM = 8001;

await describeWithRedis('cache invalidation across instances (RedisBroker)', (url) => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-redis-invalidation-'));
  const prefix = `parlor-test-${randomUUID().slice(0, 8)}`;
  /** The host's tables, shared by both instances as a database would be. */
  const users = new Set([ALICE, BOB, CAROL]);
  const tables = new Map([[TEAM, { name: 'team', members: [ALICE, BOB] }]]);
  const logB = captureLogger();
  let stores: Stores;
  const instances: Array<{ host: HostApp; broker: RedisBroker; fetcher: ReturnType<typeof hostGroups>; existing: ReturnType<typeof vi.fn> }> = [];

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    for (const log of [captureLogger(), logB]) {
      const broker = new RedisBroker({ url, prefix, logger: log.logger });
      await broker.waitUntilReady();
      const fetcher = hostGroups(tables);
      const existing = vi.fn((ids: readonly number[]) => ids.filter((id) => users.has(id)));
      const host = await startHostApp(stores, { broker, userDirectory: { existing }, groupMemberFetcher: fetcher, logger: log.logger });
      instances.push({ host, broker, fetcher, existing });
    }
  });
  afterAll(async () => {
    for (const { host, broker } of instances) {
      await host.close();
      await broker.close();
    }
    await stores?.close();
    await deleteRedisKeys(url, prefix);
    rmSync(dir, { recursive: true, force: true });
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('invalidateGroup on A makes B ask its host again (and A too); each instance asked once before', async () => {
    const [A, B] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const askedFor = (i: typeof A) => i.fetcher.acceptedMembers.mock.calls.filter(([id]) => id === TEAM).length;
    for (const i of [A, B, A, B]) await i.host.http.get(`/api/messages/group?group=${TEAM}`).set(i.host.as(ALICE)).expect(200);
    expect([askedFor(A), askedFor(B)]).toEqual([1, 1]);

    tables.get(TEAM)!.members.push(CAROL);
    await B.host.http.get(`/api/messages/group?group=${TEAM}`).set(B.host.as(CAROL)).expect(403);
    A.host.parlor.invalidateGroup(TEAM);
    expect(askedFor(A)).toBe(1); // forgotten, not yet asked
    await vi.waitFor(() => expect(B.host.parlor.manager.groupCache?.stats.invalidations).toBe(1), { timeout: 2000, interval: 10 });
    await B.host.http.get(`/api/messages/group?group=${TEAM}`).set(B.host.as(CAROL)).expect(200);
    await A.host.http.get(`/api/messages/group?group=${TEAM}`).set(A.host.as(CAROL)).expect(200);
    expect([askedFor(A), askedFor(B)]).toEqual([2, 2]);
    // A applied it before publishing and ignores its own echo: one invalidation each.
    expect(A.host.parlor.manager.groupCache?.stats.invalidations).toBe(1);
  });

  it('invalidateUser on A makes B ask its directory again', async () => {
    const [A, B] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const b = await B.host.connect(BOB);
    const send = async (id: string) => {
      b.send({ type: 'private', to: CAROL, content: id, client_id: id });
      await b.next('ack', (f) => f.client_id === id);
    };
    await send('u1');
    await send('u2');
    const asked = () => B.existing.mock.calls.filter(([ids]) => ids.includes(CAROL)).length;
    expect(asked()).toBe(1);
    A.host.parlor.invalidateUser(CAROL);
    await vi.waitFor(() => expect(B.host.parlor.manager.users.stats.invalidations).toBe(1), { timeout: 2000, interval: 10 });
    await send('u3');
    expect(asked()).toBe(2);
  });

  it('ignores junk on the invalidation channel, with a warning', async () => {
    const B = instances[1]!;
    const pub = new Redis(url);
    const before = B.host.parlor.manager.groupCache!.stats.invalidations;
    try {
      const channel = new RedisNames(prefix).invalidateChannel;
      for (const junk of ['not json', '{"v":1,"o":"x","forget":{"groupId":"1"}}', '{"v":1,"o":"x","forget":{"groupId":1,"userId":2}}', '{"v":2,"o":"x","forget":{"groupId":1}}']) {
        await pub.publish(channel, junk);
      }
      await vi.waitFor(() => expect(logB.lines.filter((l) => l.msg?.includes('not a Parlor cache invalidation'))).toHaveLength(4), { timeout: 2000, interval: 10 });
    } finally {
      pub.disconnect();
    }
    expect(B.host.parlor.manager.groupCache!.stats.invalidations).toBe(before);
  });
});
