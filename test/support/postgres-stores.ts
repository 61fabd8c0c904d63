/**
 * PostgreSQL store test support: `useSchemas` hands out fresh schemas and the
 * stores opened in them, closing and dropping them after each test.
 */
import { afterEach, vi } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { openPostgresStores, type PostgresStores, type PostgresStoresOptions } from '../../src/store/postgres/index.js';
import { dropSchema, freshSchema } from './postgres.js';

export function fakeLogger(): Logger & { info: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn> } {
  return { info: vi.fn(), warn: vi.fn(), debug: vi.fn(), error: vi.fn() } as never;
}

/** Fresh schemas and the stores opened in them, closed and dropped after each test. */
export function useSchemas(url: string) {
  const schemas = new Set<string>();
  const opened: PostgresStores[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
    for (const s of schemas) await dropSchema(url, s);
    schemas.clear();
  });
  return {
    schema() {
      const s = freshSchema();
      schemas.add(s);
      return s;
    },
    async open(options: Partial<PostgresStoresOptions> & { schema: string }): Promise<PostgresStores> {
      schemas.add(options.schema);
      const stores = await openPostgresStores({ connectionString: url, sessionPruneIntervalMs: 0, ...options });
      opened.push(stores);
      return stores;
    },
  };
}

/** Stores in a fresh schema, and the cleanup that closes them and drops it (the shape suites that open their own stores want). */
export async function freshPostgresStores(url: string): Promise<{ stores: PostgresStores; cleanup(): Promise<void> }> {
  const schema = freshSchema();
  const stores = await openPostgresStores({ connectionString: url, schema, sessionPruneIntervalMs: 0 });
  return {
    stores,
    async cleanup() {
      await stores.close();
      await dropSchema(url, schema);
    },
  };
}

/** `SELECT count(*)` over `FROM <sql>`, through the store's own pool. */
export const count = async (stores: PostgresStores, sql: string, values?: unknown[]) =>
  (await stores.db.rows<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, values))[0]!.n;
