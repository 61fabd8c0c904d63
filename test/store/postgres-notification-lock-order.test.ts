/**
 * PostgreSQL: "mark all read" and "mark these read" of one user's
 * notifications (two tabs at once) lock the rows in id order, so they never
 * deadlock (40P01 made one of them a 500).
 *
 * On a production-sized table the two plain UPDATEs get different plans: all
 * of a user's unread rows through a bitmap heap scan (heap order), a few ids
 * through an index scan (id order). The test builds a heap where the user's
 * rows lie out of id order (rows marked read move, VACUUM frees their space,
 * newer rows fill it), checks that those are the plans PostgreSQL picks for
 * the plain statements (the hazard), then forces the interleaving that
 * deadlocks them with a third connection holding one row.
 */
import { describe, expect, it, vi } from 'vitest';
import { lockWaits, schemaClient } from '../support/postgres-lock-waits.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: notifications are locked in id order', () => {
    const db = useSchemas(url);
    it('"mark all read" and "mark these ids read" of one user both complete', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema, poolSize: 2 });
      const user = 7;
      // A production-sized table (default plans), other users' rows first.
      await stores.db.query(`INSERT INTO notifications (user_id, subtype, message, data)
        SELECT 1000 + (g % 2000), 'x', repeat('m', 60), '{}' FROM generate_series(1, 100000) g`);
      const a = (await stores.notifications.save(user, 'group_invite', 'a')).id;
      // Others read theirs (non-HOT: `read` is in the partial index), VACUUM frees the first pages, newer rows fill them.
      await stores.db.query('UPDATE notifications SET read = true WHERE id <= 2000');
      const [observer, holder] = [await schemaClient(url, schema), await schemaClient(url, schema)];
      try {
        await observer.query('VACUUM notifications');
        const b = (await stores.notifications.save(user, 'group_invite', 'b')).id;
        const c = (await stores.notifications.save(user, 'group_invite', 'c')).id;
        await observer.query('ANALYZE notifications');
        const heap = (await observer.query('SELECT id FROM notifications WHERE user_id = $1 ORDER BY ctid', [user])).rows.map((r) => Number(r.id));
        expect(heap).toEqual([b, c, a]);
        const plan = async (sql: string, v: unknown[]) => (await stores.db.query(`EXPLAIN ${sql}`, v)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(await plan('UPDATE notifications SET read = true WHERE user_id = $1 AND NOT read', [user])).toMatch(/Bitmap Heap Scan/);
        expect(await plan('UPDATE notifications SET read = true WHERE user_id = $1 AND NOT read AND id = ANY($2::bigint[])', [user, [a, b, c]])).toMatch(
          /Index Scan using notifications_by_user/,
        );
        const waiting = await lockWaits(stores, observer, 2);

        await holder.query('BEGIN');
        await holder.query('SELECT id FROM notifications WHERE id = $1 FOR UPDATE', [c]);
        const all = stores.notifications.markRead(user); // visits b, c, a: holds b, waits for c
        all.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(1), { timeout: 5000, interval: 20 });
        const some = stores.notifications.markRead(user, [a, b, c]); // visits a, b, c: holds a, waits for b
        some.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(2), { timeout: 5000, interval: 20 });
        await holder.query('COMMIT'); // "all" gets c, waits for a: cycle

        const outcomes = await Promise.allSettled([all, some]);
        expect(outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []))).toEqual([]);
        expect(outcomes.reduce((n, o) => n + (o.status === 'fulfilled' ? o.value : 0), 0)).toBe(3);
      } finally {
        await holder.end();
        await observer.end();
      }
    }, 60_000);
  });
});
