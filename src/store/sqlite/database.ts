/**
 * Opens the SQLite file: creates its folder, sets the pragmas that make an
 * acknowledged message durable, and applies pending migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Logger } from '../../logger.js';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from './migrations.js';

export interface OpenDatabaseOptions {
  path: string;
  logger?: Logger;
  /** Folder of numbered `.sql` migrations (default: the package's `db/sqlite/`). */
  migrationsDir?: URL | string;
  /** How long a statement waits for another process's lock before SQLITE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
}

const IN_MEMORY = /^(:memory:|file::memory:.*|)$/;

/** `:memory:` (or an empty path: a temporary database): visible to this connection only. */
export function isInMemory(path: string): boolean {
  return IN_MEMORY.test(path);
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export function openDatabase(options: OpenDatabaseOptions): Database {
  if (!isInMemory(options.path)) mkdirSync(dirname(options.path), { recursive: true });
  const db = new BetterSqlite3(options.path);
  try {
    applyPragmas(db, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    migrate(db, loadMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR), options.logger);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * A second connection to a database that openDatabase already created and
 * migrated: the write worker's. Same pragmas, no migrations.
 */
export function openConnection(path: string, busyTimeoutMs: number): Database {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    applyPragmas(db, busyTimeoutMs);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function applyPragmas(db: Database, busyTimeoutMs: number): void {
  // WAL: readers never block the writer, and a commit is one sequential append.
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every COMMIT, so an acked message survives power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
}
