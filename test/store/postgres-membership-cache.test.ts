/**
 * The PostgreSQL membership cache across instances: two store instances on
 * one schema, as two Parlor processes would have. Membership changed on one
 * must reach the other's cache (NOTIFY), and while the other cannot listen,
 * its cache must stay out of the way.
 */
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { PostgresStores } from '../../src/store/postgres/index.js';
import { membershipChannel } from '../../src/store/postgres/membership-listener.js';
import { freshSchema } from '../support/postgres.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: membership cache across instances', () => {
    const db = useSchemas(url);
    const name = () => `u_${Math.random().toString(36).slice(2, 10)}`;

    async function twoInstances(options: Parameters<typeof db.open>[0] extends infer O ? Partial<O> : never = {}) {
      const schema = db.schema();
      const a = await db.open({ schema, ...options });
      const b = await db.open({ schema });
      await vi.waitFor(() => expect(a.groups.membershipCache?.enabled && b.groups.membershipCache?.enabled).toBe(true), { timeout: 5000 });
      const owner = await b.users.createUser(name(), 'h');
      const joiner = await b.users.createUser(name(), 'h');
      const group = await b.groups.createGroup(owner.id, 'g');
      await b.groups.invite(group.id, joiner.id, owner.id);
      return { schema, a, b, owner, joiner, group };
    }

    const cacheOf = (s: PostgresStores) => s.groups.membershipCache!;

    it('caches on one instance, and an accept on the other reaches it through NOTIFY', async () => {
      const { a, b, owner, joiner, group } = await twoInstances();
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      const hits = cacheOf(a).stats.hits;
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      expect(cacheOf(a).stats.hits).toBe(hits + 1);

      const invalidations = cacheOf(a).stats.invalidations;
      expect(await b.groups.respond(group.id, joiner.id, true)).toBe(true);
      // a did not change anything itself: only the notification can tell it.
      await vi.waitFor(async () => expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]), { timeout: 2000, interval: 20 });
      expect(cacheOf(a).stats.invalidations).toBeGreaterThan(invalidations);
    });

    it('a schema name of 63 characters: its channel is a digest that fits, and accepts and leaves still reach the other instance', async () => {
      // parlor_<label>_<pid>_<8 random> with a label that makes it PostgreSQL's longest identifier: `parlor_membership:<schema>` would be 81 bytes.
      const schema = freshSchema('l'.repeat(63 - freshSchema('').length));
      expect(schema).toHaveLength(63);
      expect(membershipChannel(schema)).toMatch(/^parlor_membership:[0-9a-f]{45}$/);
      expect(membershipChannel('short')).toBe('parlor_membership:short');
      const a = await db.open({ schema });
      const b = await db.open({ schema });
      await vi.waitFor(() => expect(a.groups.membershipCache?.enabled && b.groups.membershipCache?.enabled).toBe(true), { timeout: 5000 });
      const [owner, joiner, decliner] = [await b.users.createUser(name(), 'h'), await b.users.createUser(name(), 'h'), await b.users.createUser(name(), 'h')];
      const group = await b.groups.createGroup(owner.id, 'g');
      await b.groups.invite(group.id, joiner.id, owner.id);
      await b.groups.invite(group.id, decliner.id, owner.id);
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      expect(await b.groups.respond(group.id, decliner.id, false)).toBe(true);
      expect(await b.groups.respond(group.id, joiner.id, true)).toBe(true);
      await vi.waitFor(async () => expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]), { timeout: 2000, interval: 20 });
      expect(await b.groups.leave(group.id, joiner.id)).toBe(true);
      await vi.waitFor(async () => expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]), { timeout: 2000, interval: 20 });
    });

    it('leaving on one instance reaches the cache of the other through NOTIFY', async () => {
      const { a, b, owner, joiner, group } = await twoInstances();
      await b.groups.respond(group.id, joiner.id, true);
      // Until a's cache holds the new members (a read racing the accept's NOTIFY is not kept): then only the leave's NOTIFY can change it.
      await vi.waitFor(
        async () => {
          const hits = cacheOf(a).stats.hits;
          expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]);
          expect(cacheOf(a).stats.hits).toBe(hits + 1);
        },
        { timeout: 2000, interval: 20 },
      );
      const invalidations = cacheOf(a).stats.invalidations;
      expect(await b.groups.leave(group.id, joiner.id)).toBe(true);
      await vi.waitFor(async () => expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]), { timeout: 2000, interval: 20 });
      expect(cacheOf(a).stats.invalidations).toBeGreaterThan(invalidations);
    });

    it('an instance with the cache off still tells the others: its accept reaches their caches', async () => {
      const schema = db.schema();
      const uncached = await db.open({ schema, membershipCacheGroups: 0 });
      const cached = await db.open({ schema });
      await vi.waitFor(() => expect(cached.groups.membershipCache?.enabled).toBe(true), { timeout: 5000 });
      const owner = await cached.users.createUser(name(), 'h');
      const joiner = await cached.users.createUser(name(), 'h');
      const group = await cached.groups.createGroup(owner.id, 'g');
      await cached.groups.invite(group.id, joiner.id, owner.id);
      expect(await cached.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      expect(uncached.groups.membershipCache).toBeNull();
      expect(await uncached.groups.respond(group.id, joiner.id, true)).toBe(true);
      await vi.waitFor(async () => expect(await cached.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]), { timeout: 2000, interval: 20 });
    });

    it('the instance that answers sees the change at once, without waiting for its own NOTIFY', async () => {
      const { a, owner, joiner, group } = await twoInstances();
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      await a.groups.respond(group.id, joiner.id, true);
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]);
    });

    it('a respond that changes nothing sends nothing; a declined invitation changes no one', async () => {
      const { a, b, owner, joiner, group } = await twoInstances();
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      const before = cacheOf(a).stats.invalidations;
      expect(await b.groups.respond(group.id, joiner.id, false)).toBe(true);
      expect(await b.groups.respond(group.id, joiner.id, true)).toBe(false); // no longer invited
      await vi.waitFor(() => expect(cacheOf(a).stats.invalidations).toBe(before + 1), { timeout: 2000, interval: 20 });
      await new Promise((r) => setTimeout(r, 100));
      expect(cacheOf(a).stats.invalidations).toBe(before + 1);
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
    });

    it('when the listening connection dies, the cache is off (answers come from the database) until it listens again', async () => {
      const { schema, a, b, owner, joiner, group } = await twoInstances({ membershipListener: { retryMinMs: 1500 } });
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id]);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
          membershipChannel(schema),
        ]);
        expect(killed.rowCount).toBe(2); // a's and b's listeners: both listen on the schema's channel
      } finally {
        await admin.end();
      }
      await vi.waitFor(() => expect(cacheOf(a).enabled).toBe(false), { timeout: 2000, interval: 10 });
      expect(cacheOf(a).size).toBe(0);
      expect(a.health!().membershipCache).toMatchObject({ enabled: false, groups: 0 }); // /metrics: parlor_membership_cache_enabled 0

      // No one can tell a now: the change must be visible at once because nothing is cached.
      await b.groups.respond(group.id, joiner.id, true);
      const misses = cacheOf(a).stats.misses;
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]);
      expect(await a.groups.acceptedMembers(group.id)).toEqual([owner.id, joiner.id]);
      expect(cacheOf(a).stats.misses).toBe(misses + 2);

      await vi.waitFor(() => expect(cacheOf(a).enabled).toBe(true), { timeout: 5000, interval: 20 });
      const hits = cacheOf(a).stats.hits;
      await a.groups.acceptedMembers(group.id);
      await a.groups.acceptedMembers(group.id);
      expect(cacheOf(a).stats.hits).toBe(hits + 1);
    });

    it('membershipCacheGroups: 0 turns the cache and its connection off', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema, membershipCacheGroups: 0 });
      expect(stores.groups.membershipCache).toBeNull();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const rows = await admin.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [membershipChannel(schema)]);
        expect(rows.rowCount).toBe(0);
      } finally {
        await admin.end();
      }
    });
  });
});
