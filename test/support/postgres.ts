/**
 * PostgreSQL test support: the shared server is never altered outside a
 * schema the test created. Each suite works in a fresh schema
 * (`parlor_test_<pid>_<random>`) and drops it (CASCADE) afterwards.
 */
import pg from 'pg';

/** A schema name no other run uses. */
export function freshSchema(label = 'test'): string {
  return `parlor_${label}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** One statement on a short-lived connection of its own (not the store's pool). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops a schema this run created, with everything in it. Only names made by freshSchema are accepted. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^parlor_[a-z]+_\d+_[a-z0-9]+$/.test(schema)) throw new Error(`refusing to drop ${schema}: not a test schema`);
  await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
