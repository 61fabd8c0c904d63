/**
 * Numbered SQL migrations (`db/sqlite/NNN_name.sql`), applied in name order,
 * each once and each inside its own transaction together with its
 * `schema_migrations` row: a migration that fails leaves no trace and is
 * retried on the next start.
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from '../../logger.js';
import { loadMigrationFiles, type Migration } from '../migration-files.js';

export type { Migration };

/** `db/sqlite/` of the package: src/store/sqlite/ and dist/store/sqlite/ are both three levels below the root. */
export const DEFAULT_MIGRATIONS_DIR = new URL('../../../db/sqlite/', import.meta.url);

/** The migration files of a folder (a path or a `file:` URL), in the order they apply. */
export function loadMigrations(dir: URL | string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  return loadMigrationFiles(dir);
}

/** Applies the migrations not applied yet; returns the names it applied. */
export function migrate(db: Database, migrations: readonly Migration[], logger?: Logger): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name       TEXT    PRIMARY KEY,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  const isApplied = db.prepare<[string], number>('SELECT 1 FROM schema_migrations WHERE name = ?').pluck();
  const apply = db.transaction((m: Migration): boolean => {
    // Checked again under the write lock: another process may have applied it meanwhile.
    if (isApplied.get(m.name) !== undefined) return false;
    db.exec(m.sql);
    record.run(m.name, Date.now());
    return true;
  });
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    let ran: boolean;
    try {
      ran = apply.immediate(m);
    } catch (err) {
      throw new Error(`SQLite migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
    if (!ran) continue;
    logger?.info({ migration: m.name }, 'applied SQLite migration');
    done.push(m.name);
  }
  return done;
}
