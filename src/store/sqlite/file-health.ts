/**
 * Whether the SQLite file can still take durable writes: the file the
 * connections hold is still the one the path names, and the last write batch
 * did not fail for the storage. The writers refuse a batch into a file that
 * is gone, and ping() (so /healthz) reports either.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

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
