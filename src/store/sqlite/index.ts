/**
 * The default backend: one SQLite file (better-sqlite3) holding users, groups,
 * messages, notifications and sessions. `openSqliteStores` opens it, applies
 * migrations and returns every store; `close()` commits pending writes first.
 *
 * Reads run on the calling thread's connection. Writes go through a
 * SqliteWriter: for a database file, a worker thread with its own connection
 * (the COMMIT and its fsync never block the event loop); for `:memory:`, the
 * same group-commit batches on this thread.
 */
import type { Database } from 'better-sqlite3';
import { withLoggableLogger } from '../../loggable-error.js';
import type { Logger } from '../../logger.js';
import type { Stores } from '../types.js';
import { SqliteConsentStore } from './consent-store.js';
import { SqliteConversationStore } from './conversation-store.js';
import { DEFAULT_BUSY_TIMEOUT_MS, isInMemory, openDatabase } from './database.js';
import { assertStillOnDisk, type FileIdentity, fileIdentity } from './file-health.js';
import { SqliteGroupStore } from './group-store.js';
import { InlineWriter } from './inline-writer.js';
import { SqliteMessageStore } from './message-store.js';
import { RelationCache } from './relation-cache.js';
import { SqliteNotificationStore } from './notification-store.js';
import { SqliteSessionStore } from './session-store.js';
import { closedError, type SqliteWriter, type WriterKind } from './sqlite-writer.js';
import { SqliteTokenVersionStore } from './token-version-store.js';
import { SqliteUserStore } from './user-store.js';
import { WorkerWriter } from './worker-writer.js';

export { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from './migrations.js';
export { WriteQueue, type WriteQueueStats } from './write-queue.js';
export { SqliteSessionStore, sessionExpiry } from './session-store.js';
export type { SqliteWriter, WriterKind } from './sqlite-writer.js';

export interface SqliteStoresOptions {
  /** The database file; its folder is created when missing (mode 0700), the files made owner-only (0600). */
  path: string;
  logger?: Logger;
  /** Folder of numbered `.sql` migrations (default: the package's `db/sqlite/`). */
  migrationsDir?: URL | string;
  /** Writes per group-commit transaction at most (default 256). */
  maxBatch?: number;
  /** How often expired sessions are deleted; 0 turns it off (default 15 minutes). */
  sessionPruneIntervalMs?: number;
  /** SQLITE_BUSY wait (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Writes waiting for the write worker at most (default 20,000); past it a write is refused with `rate_limited`. */
  maxPendingWrites?: number;
  /** Clock for stored timestamps and session expiry (default Date.now). */
  now?: () => number;
  /**
   * Where writes run: `worker` (a worker thread; the default for a file) or
   * `inline` (this thread; the only choice for `:memory:`).
   */
  writer?: WriterKind;
  /** Groups whose accepted members are kept in memory (default 10,000; groups not read lately leave first; 0: off). */
  membershipCacheGroups?: number;
  /** Pairs of users whose consent relation (blocks, who wrote, a shared group) is kept in memory (default 10,000 per direction; pairs not read lately leave first; 0: off). */
  relationCachePairs?: number;
}

export interface SqliteStores extends Stores {
  readonly path: string;
  /** The better-sqlite3 connection the reads use, for diagnostics and tests. */
  readonly db: Database;
  /** What every write goes through; `stats` counts its transactions. */
  readonly writer: SqliteWriter;
  /** The consent relations kept in memory (null: relationCachePairs 0), for diagnostics and tests. */
  readonly relations: RelationCache | null;
  users: SqliteUserStore;
  groups: SqliteGroupStore;
  messages: SqliteMessageStore;
  notifications: SqliteNotificationStore;
  conversations: SqliteConversationStore;
  consent: SqliteConsentStore;
  sessions: SqliteSessionStore;
  ping(): Promise<void>;
  /** Commits what is queued, then closes (an inline writer commits before close() returns). */
  close(): Promise<void>;
}

function openWriter(kind: WriterKind, db: Database, file: FileIdentity | null, options: SqliteStoresOptions): SqliteWriter {
  if (kind === 'inline') {
    return new InlineWriter(db, { maxBatch: options.maxBatch, beforeBatch: file ? () => assertStillOnDisk(file) : undefined });
  }
  return new WorkerWriter({
    path: options.path,
    file: file!, // a worker writes a file, never `:memory:` (refused above)
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    maxBatch: options.maxBatch,
    maxPendingWrites: options.maxPendingWrites,
  });
}

export function openSqliteStores(given: SqliteStoresOptions): SqliteStores {
  const options = withLoggableLogger(given);
  const now = options.now ?? Date.now;
  const kind = options.writer ?? (isInMemory(options.path) ? 'inline' : 'worker');
  if (kind === 'worker' && isInMemory(options.path)) {
    throw new TypeError('an in-memory SQLite database cannot be written by a worker thread: use writer "inline"');
  }
  const db = openDatabase(options);
  let file: FileIdentity | null;
  let writer: SqliteWriter;
  try {
    // The file the connections hold: the writer and ping() check that the path still names it.
    file = isInMemory(options.path) ? null : fileIdentity(options.path);
    writer = openWriter(kind, db, file, options);
  } catch (err) {
    db.close();
    throw err;
  }
  const notifications = new SqliteNotificationStore(db, writer, now);
  const sessions = new SqliteSessionStore(db, writer, {
    pruneIntervalMs: options.sessionPruneIntervalMs,
    now,
    logger: options.logger,
  });
  const relations = options.relationCachePairs === 0 ? null : new RelationCache(options.relationCachePairs);
  if (relations) writer.afterCommit((call) => relations.committed(call));
  const groups = new SqliteGroupStore(db, writer, now, options.membershipCacheGroups);
  const ping = db.prepare('SELECT 1');
  let closing: Promise<void> | null = null;

  return {
    description: `sqlite:${options.path} (writes: ${kind} thread)`,
    path: options.path,
    db,
    writer,
    relations,
    users: new SqliteUserStore(db, writer, now),
    tokenVersions: new SqliteTokenVersionStore(db, writer),
    groups,
    messages: new SqliteMessageStore(db, writer, now, notifications),
    notifications,
    conversations: new SqliteConversationStore(db),
    consent: new SqliteConsentStore(db, writer, now, relations),
    sessions,
    health() {
      return { writes: { ...writer.stats, pending: writer.size }, membershipCache: groups.membershipCache?.snapshot() ?? null };
    },
    // Per /healthz request: no write, two stats (the file and its -wal). Unhealthy too while writes fail for
    // the disk or a file is gone, so that a supervisor restarts the process instead of it acking nothing for hours.
    async ping() {
      if (closing) throw closedError();
      if (writer.failure) throw writer.failure;
      if (writer.storageFailure) throw writer.storageFailure;
      if (file) assertStillOnDisk(file);
      ping.get();
    },
    close() {
      return (closing ??= (async () => {
        sessions.close();
        try {
          await writer.close();
        } finally {
          db.close();
        }
      })());
    },
  };
}
