/**
 * For PostgreSQL tests that force an interleaving of row locks: clients of
 * their own beside the stores' pool, and a count of the pool's connections
 * that are waiting for a lock, to step the statements one at a time.
 */
import pg from 'pg';
import type { PostgresStores } from '../../src/store/postgres/index.js';

/** A plain connected client with `schema` on its search path; `end()` it after. */
export async function schemaClient(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  return client;
}

/**
 * How many of the pool's connections wait for a lock, asked through
 * `observer`. It opens `poolSize` connections of the pool to learn their
 * backend pids, so the pool must not make new ones later (open the stores with
 * that `poolSize`).
 */
export async function lockWaits(stores: PostgresStores, observer: pg.Client, poolSize: number): Promise<() => Promise<number>> {
  const clients = await Promise.all(Array.from({ length: poolSize }, () => stores.db.pool.connect()));
  const pids = await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  for (const c of clients) c.release();
  return async () =>
    Number((await observer.query<{ n: string }>('SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND pid = ANY($1)', [pids])).rows[0]!.n);
}
