/**
 * Opens the SQLite file: creates its folder, sets the pragmas that make an
 * acknowledged message durable, and applies pending migrations. Also what
 * tells whether the file the connections hold is still the one on disk.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

/** Folder, file and pragmas: everything that fails here fails because of the path. */
function openFile(path: string, busyTimeoutMs: number, logger: Logger | undefined): Database {
  try {
    if (isInMemory(path)) return withPragmas(new BetterSqlite3(path), busyTimeoutMs);
    // The folder holds every private message, password hash and session id: owner only. `recursive`
    // leaves a folder that exists alone: its mode is the operator's choice.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const db = withPragmas(new BetterSqlite3(path), busyTimeoutMs);
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

/** better-sqlite3 says only "unable to open database file" for a folder. */
function openFailureReason(path: string, cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return isFolder(path) ? `${message} (it is a folder)` : message;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing, or under a regular file (ENOTDIR): the cause already says why
  }
}

/** Which file a path named when the database was opened (device and inode), absolute. */
export interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
}

export function fileIdentity(path: string): FileIdentity {
  const absolute = resolve(path);
  const { dev, ino } = statSync(absolute);
  return { path: absolute, dev, ino };
}

/** The code of the error assertStillOnDisk throws. */
export const FILE_GONE = 'PARLOR_SQLITE_FILE_GONE';

/**
 * Throws when the path no longer names the file the connections hold open:
 * removed (an `rm -rf` of the data folder) or replaced. SQLite goes on
 * writing into the unlinked file without an error, so a COMMIT would succeed
 * and its ack be a lie: the next start opens a new, empty file. One stat.
 */
export function assertStillOnDisk(file: FileIdentity): void {
  let now: { dev: number; ino: number } | undefined;
  try {
    now = statSync(file.path, { throwIfNoEntry: false });
  } catch {
    now = undefined; // the folder became unreadable: the file cannot be confirmed, the next start could not open it
  }
  if (now?.dev === file.dev && now.ino === file.ino) return;
  const err = new Error(`the SQLite file ${file.path} is gone or was replaced since it was opened`) as Error & { code: string };
  err.code = FILE_GONE;
  throw err;
}

/** SQLite codes (extended ones included) that say the storage itself failed, not the write. */
const STORAGE_FAILURE_CODE = /^SQLITE_(IOERR|FULL|READONLY|CANTOPEN)/;

/**
 * A write batch failed because of the disk (I/O error, disk full, read-only,
 * the file cannot be opened or is gone): the writes after it will most
 * likely fail too, so the store is unhealthy until one commits again.
 */
export function isStorageFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === FILE_GONE || STORAGE_FAILURE_CODE.test(code));
}
