/**
 * Numbered SQL migrations (`db/postgres/NNN_name.sql`), applied in name
 * order, each once, each in its own transaction together with its
 * `schema_migrations` row. Every transaction first takes a
 * pg_advisory_xact_lock for the schema, so instances starting at the same
 * time queue up: the first applies a migration, the others find it recorded.
 * A migration that fails leaves no trace and is retried on the next start.
 * Files must not contain BEGIN/COMMIT of their own.
 */
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { loadMigrations as loadMigrationFiles, type Migration } from '../sqlite/migrations.js';
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

  await inTransaction(client, async () => {
    await client.query(LOCK, [schema]);
    // Under the lock: CREATE ... IF NOT EXISTS is not safe against a concurrent twin.
    if (options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.schema_migrations (
      name       text   PRIMARY KEY,
      applied_at bigint NOT NULL
    )`);
  });

  const table = `${quoteIdent(schema)}.schema_migrations`;
  const applied = new Set((await client.query<{ name: string }>(`SELECT name FROM ${table}`)).rows.map((r) => r.name));
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    let ran: boolean;
    try {
      ran = await inTransaction(client, async () => {
        await client.query(LOCK, [schema]);
        // Checked again under the lock: another instance may have applied it meanwhile.
        const seen = await client.query(`SELECT 1 FROM ${table} WHERE name = $1`, [m.name]);
        if (seen.rowCount) return false;
        // The file's unqualified names land in the schema that was locked and is recorded.
        await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
        // No parameters: the simple query protocol, which runs a file of several statements.
        await client.query(m.sql);
        await client.query(`INSERT INTO ${table} (name, applied_at) VALUES ($1, $2)`, [m.name, Date.now()]);
        return true;
      });
    } catch (err) {
      throw new Error(`PostgreSQL migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
    if (!ran) continue;
    options.logger?.info({ migration: m.name, schema }, 'applied PostgreSQL migration');
    done.push(m.name);
  }
  return done;
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
