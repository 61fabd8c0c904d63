/**
 * Whether the SQLite file can still take durable writes: the files the
 * connections hold (the database and its WAL) are still the ones the paths
 * name, and the last write batch did not fail for the storage. The writers
 * refuse a batch into a file that is gone, and ping() (so /healthz) reports
 * either.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Which file a path names: device and inode. */
interface Inode {
  dev: number;
  ino: number;
}

/**
 * Which files the database's path and its `-wal` named when the database
 * was opened, the path absolute. `wal` is absent until that file exists
 * (the journal is not WAL, or not created yet): assertStillOnDisk records it
 * the first time it sees it.
 */
export interface FileIdentity extends Inode {
  path: string;
  wal?: Inode;
}

/** Called once the database is open in WAL mode, so its `-wal` exists and is recorded at once. */
export function fileIdentity(path: string): FileIdentity {
  const absolute = resolve(path);
  const { dev, ino } = statSync(absolute);
  const wal = inodeAt(walPath(absolute));
  return { path: absolute, dev, ino, ...(wal ? { wal: { dev: wal.dev, ino: wal.ino } } : {}) };
}

/** The code of the error assertStillOnDisk throws. */
export const FILE_GONE = 'PARLOR_SQLITE_FILE_GONE';

/**
 * Throws when the paths no longer name the files the connections hold open:
 * removed (an `rm -rf` of the data folder, an `rm data/*-wal`) or replaced.
 * SQLite goes on writing into an unlinked file without an error, so a COMMIT
 * would succeed and its ack be a lie: the next start opens a new, empty file,
 * or (the WAL gone) finds none of the commits since the last checkpoint.
 *
 * While a connection is open SQLite keeps its WAL file: a checkpoint
 * (TRUNCATE, or journal_size_limit) truncates or rewinds it, it does not
 * delete it; only the last connection's close does. So a WAL that is gone
 * or another file is always someone else's doing. Two stats per batch.
 */
export function assertStillOnDisk(file: FileIdentity): void {
  if (!isSameFile(inodeAt(file.path), file)) throw fileGone(`the SQLite file ${file.path} is gone or was replaced since it was opened`);
  const wal = inodeAt(walPath(file.path));
  if (!file.wal) {
    if (wal) file.wal = { dev: wal.dev, ino: wal.ino };
    return;
  }
  if (!isSameFile(wal, file.wal)) {
    throw fileGone(`the SQLite WAL file ${walPath(file.path)} is gone or was replaced since it was opened: the commits since the last checkpoint are in no file on disk`);
  }
}

function walPath(path: string): string {
  return `${path}-wal`;
}

/** undefined: missing, or the folder became unreadable (the file cannot be confirmed, the next start could not open it). */
function inodeAt(path: string): Inode | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function isSameFile(now: Inode | undefined, then: Inode): boolean {
  return now?.dev === then.dev && now.ino === then.ino;
}

function fileGone(message: string): Error {
  return Object.assign(new Error(message), { code: FILE_GONE });
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

/**
 * A writer's view of its storage: the error of its last batch when that
 * failed for the storage (isStorageFailure), null again once a batch commits.
 * A failure of another kind leaves it as it was. Both writers keep one.
 */
export class StorageHealth {
  failure: Error | null = null;

  batchFailed(err: unknown): void {
    if (isStorageFailure(err)) this.failure = err as Error;
  }

  batchCommitted(): void {
    this.failure = null;
  }
}
