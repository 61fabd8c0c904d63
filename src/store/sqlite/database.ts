/**
 * Opens the SQLite file: creates its folder, sets the pragmas that make an
 * acknowledged message durable, checks that a write would be kept, and
 * applies pending migrations.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Logger } from '../../logger.js';
import { isStorageFailure } from './file-health.js';
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

/**
 * The path could not be opened as a database (a folder, a path under a
 * regular file, a file that is not a database, no permission): the
 * operator's path to fix, not a bug. Migrations failing is not this.
 */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot open ${path}: ${openFailureReason(path, cause)}`, { cause });
  }
}

export function openDatabase(options: OpenDatabaseOptions): Database {
  const db = openFile(options.path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, options.logger);
  try {
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
  return withPragmas(new BetterSqlite3(path, { fileMustExist: true }), busyTimeoutMs);
}

/**
 * `dir` and each missing folder above it, one level at a time. The folder holds every private message,
 * password hash and session id: a folder made here is owner only (0700); one that exists is left alone, its
 * mode is the operator's choice. Not `mkdirSync(dir, { recursive: true })`: where mkdir answers ENOENT for a
 * folder whose parent exists (`/proc/x`, a pseudo filesystem), Node 20 retries that forever at 100% CPU.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  // Up to the nearest folder that exists (statSync throws for anything but a missing entry: ENOTDIR, EACCES).
  for (let d = resolve(dir); statSync(d, { throwIfNoEntry: false }) === undefined; d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break; // the root itself is missing: its mkdir below says why
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      // Made meanwhile by someone else: fine, as a folder that existed (a file there fails at the next level, or at the open).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Folder, file and pragmas: everything that fails here fails because of the path. */
function openFile(path: string, busyTimeoutMs: number, logger: Logger | undefined): Database {
  try {
    if (isInMemory(path)) return withPragmas(new BetterSqlite3(path), busyTimeoutMs);
    makeFolders(dirname(path));
    const db = withPragmas(new BetterSqlite3(path), busyTimeoutMs);
    try {
      assertWritable(db);
    } catch (err) {
      db.close();
      throw err;
    }
    // After the pragmas: a file that turned out not to be a database (a wrong path) is left as it was.
    restrictToOwner(path, logger);
    return db;
  } catch (err) {
    throw new DatabaseOpenError(resolve(path), err);
  }
}

function withPragmas(db: Database, busyTimeoutMs: number): Database {
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

/**
 * SQLite opens a file it may read but not write (another account's, a
 * read-only mount, an unwritable -wal) read-only without a word, and then
 * fails every write's statement: a server that starts, answers reads and
 * stores nothing. One write, rolled back at once, finds that out at the
 * start. It needs the write lock like any write; another process holding it
 * past the busy timeout (SQLITE_BUSY) says nothing about the file, so only a
 * storage failure (isStorageFailure: read-only, I/O error, full) is thrown.
 */
function assertWritable(db: Database): void {
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    db.exec('BEGIN IMMEDIATE');
    db.pragma(`user_version = ${version}`);
  } catch (err) {
    if (isStorageFailure(err)) throw err;
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
}

/**
 * Mode 0600 for the database and its -wal and -shm (SQLite creates those with
 * the database file's mode, so later ones follow). A file this process may
 * not chmod (another account's) is left as it is, with a warning.
 */
function restrictToOwner(path: string, logger: Logger | undefined): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn({ err, path: file }, 'could not make the SQLite file owner-only (mode 0600)');
    }
  }
}

/** better-sqlite3 says only "unable to open database file" for a folder, and nothing of whose the file is. */
function openFailureReason(path: string, cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (isFolder(path)) return `${message} (it is a folder)`;
  if (/^SQLITE_READONLY/.test(String((cause as { code?: unknown } | null)?.code))) {
    return `${message} (this process may read it but not write it: check the owner and mode of the file, its -wal and -shm, and its folder, and whether the mount is read-only)`;
  }
  return message;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing, or under a regular file (ENOTDIR): the cause already says why
  }
}
