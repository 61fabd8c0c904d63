/**
 * How many PostgreSQL connections one instance holds (docs/scaling.md "Pool
 * size", README's DATABASE_POOL_SIZE row): the pool's `DATABASE_POOL_SIZE`,
 * plus the membership listener's LISTEN connection (outside the pool) while
 * the membership cache is on (MEMBERSHIP_CACHE_GROUPS > 0, the default).
 *
 * The pool is made busy with more queries than it has connections, each held
 * on an advisory lock a separate client keeps, so every pooled connection the
 * instance can open is open and visible in pg_stat_activity.
 */
import pg from 'pg';
import { expect, it, vi } from 'vitest';
import type { PostgresStoresOptions } from '../../src/store/postgres/index.js';
import { membershipChannel } from '../../src/store/postgres/membership-listener.js';
import { adminQuery } from '../support/postgres.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

const POOL_SIZE = 2;

await describeWithPostgres("an instance's PostgreSQL connections: the pool, plus one LISTEN with the membership cache on", (url) => {
  const schemas = useSchemas(url);

  /** The instance's connections while its pool is as busy as it gets: pooled ones, and the listener's. */
  async function connectionsHeld(options: Partial<PostgresStoresOptions>): Promise<{ pooled: number; listener: number }> {
    const schema = schemas.schema();
    const stores = await schemas.open({ schema, poolSize: POOL_SIZE, ...options });
    const listenerName = membershipChannel(schema).slice(0, 63);
    const listenerRows = () => adminQuery(url, 'SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [listenerName]);
    // The listener connects in the background after open.
    if (stores.groups.membershipCache) await vi.waitFor(async () => expect(await listenerRows()).toHaveLength(1), { timeout: 5000, interval: 20 });

    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    const key = Math.floor(Math.random() * 2 ** 31);
    await holder.query('SELECT pg_advisory_lock($1)', [key]);
    const marker = `pool_busy_${schema}`;
    const busy = Array.from({ length: POOL_SIZE + 1 }, () => stores.db.rows(`SELECT pg_advisory_xact_lock(${key}), '${marker}' AS m`));
    const pooledRows = () =>
      adminQuery(url, 'SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE $1', [`%'${marker}'%`]);
    try {
      // Every pooled connection is open and waiting on the lock; the extra query waits in the pool for one.
      await vi.waitFor(async () => expect(await pooledRows()).toHaveLength(POOL_SIZE), { timeout: 5000, interval: 20 });
      return { pooled: (await pooledRows()).length, listener: (await listenerRows()).length };
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [key]);
      await holder.end();
      await Promise.all(busy);
    }
  }

  it('with the membership cache on (the default): DATABASE_POOL_SIZE + 1', async () => {
    const held = await connectionsHeld({});
    expect(held).toEqual({ pooled: POOL_SIZE, listener: 1 });
    expect(held.pooled + held.listener).toBe(POOL_SIZE + 1);
  });

  it('with membershipCacheGroups: 0 (MEMBERSHIP_CACHE_GROUPS=0): DATABASE_POOL_SIZE', async () => {
    const held = await connectionsHeld({ membershipCacheGroups: 0 });
    expect(held).toEqual({ pooled: POOL_SIZE, listener: 0 });
  });
});
