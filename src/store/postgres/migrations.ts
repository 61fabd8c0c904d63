/**
 * Numbered SQL migrations (`db/postgres/NNN_name.sql`), applied in name
 * order, each once, all pending ones in ONE transaction together with their
 * `schema_migrations` rows, the schema and that table themselves: a failing
 * migration leaves nothing behind (no schema, no empty `schema_migrations`,
 * no half of the migrations before it) and everything is retried on the
 * next start. The transaction first takes a pg_advisory_xact_lock for the
 * schema, so instances starting at the same time queue up: the first applies,
 * the others find it recorded. Files must not contain BEGIN/COMMIT of their own.
 */
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { loadMigrationFiles, type Migration } from '../migration-files.js';
import { assertSchemaName } from './database.js';

export type { Migration };

/** `db/postgres/` of the package: src/store/postgres/ and dist/store/postgres/ are both three levels below the root. */
export const DEFAULT_MIGRATIONS_DIR = new URL('../../../db/postgres/', import.meta.url);

/** The migration files of a folder (a path or a `file:` URL), in the order they apply. */
export function loadMigrations(dir: URL | string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  return loadMigrationFiles(dir);
}

/**
 * Held until COMMIT. Keyed by the schema, so deployments in different
 * schemas of one database never wait for each other.
 */
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('parlor:migrate'), hashtext($1))`;

export interface MigrateOptions {
  /** Created when missing; default: the first existing schema of the search_path. */
  schema?: string;
  logger?: Logger;
}

/**
 * Applies the migrations not applied yet over `client` (connected, not in a
 * transaction); returns the names it applied.
 */
export async function migrate(client: pg.Client, migrations: readonly Migration[], options: MigrateOptions = {}): Promise<string[]> {
  if (options.schema !== undefined) assertSchemaName(options.schema);
  const schema = options.schema ?? (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
  if (!schema) throw new Error('PostgreSQL migrations: no schema to create tables in (the search_path names none that exists)');
  const table = `${quoteIdent(schema)}.schema_migrations`;

  let current: Migration | undefined;
  try {
    return await inTransaction(client, async () => {
      await client.query(LOCK, [schema]);
      // Under the lock: CREATE ... IF NOT EXISTS is not safe against a concurrent twin.
      if (options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        name       text   PRIMARY KEY,
        applied_at bigint NOT NULL
      )`);
      // Read under the lock: another instance may have applied some meanwhile.
      const applied = new Set((await client.query<{ name: string }>(`SELECT name FROM ${table}`)).rows.map((r) => r.name));
      // The files' unqualified names land in the schema that was locked and is recorded.
      await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
      const done: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.name)) continue;
        current = m;
        // No parameters: the simple query protocol, which runs a file of several statements.
        await client.query(m.sql);
        await client.query(`INSERT INTO ${table} (name, applied_at) VALUES ($1, $2)`, [m.name, Date.now()]);
        done.push(m.name);
      }
      current = undefined;
      return done;
    }).then((done) => {
      for (const name of done) options.logger?.info({ migration: name, schema }, 'applied PostgreSQL migration');
      return done;
    });
  } catch (err) {
    const which = current ? `migration ${current.name}` : 'migrations';
    throw new Error(`PostgreSQL ${which} failed: ${(err as Error).message}`, { cause: err });
  }
}

async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const value = await work();
    await client.query('COMMIT');
    return value;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
