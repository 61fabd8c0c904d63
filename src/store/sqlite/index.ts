/**
 * The default backend: one SQLite file (better-sqlite3) holding users, groups,
 * messages, notifications and sessions. `openSqliteStores` opens it, applies
 * migrations and returns every store; `close()` commits pending writes first.
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from '../../logger.js';
import type { Stores } from '../types.js';
import { SqliteConversationStore } from './conversation-store.js';
import { openDatabase } from './database.js';
import { SqliteGroupStore } from './group-store.js';
import { SqliteMessageStore } from './message-store.js';
import { SqliteNotificationStore } from './notification-store.js';
import { SqliteReceiptStore } from './receipt-store.js';
import { SqliteSessionStore } from './session-store.js';
import { SqliteUserStore } from './user-store.js';
import { WriteQueue } from './write-queue.js';

export { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from './migrations.js';
export { WriteQueue, type WriteQueueStats } from './write-queue.js';
export { SqliteSessionStore, sessionExpiry } from './session-store.js';

export interface SqliteStoresOptions {
  /** The database file; its folder is created when missing. */
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
  /** Clock for stored timestamps and session expiry (default Date.now). */
  now?: () => number;
}

export interface SqliteStores extends Stores {
  readonly path: string;
  /** The better-sqlite3 connection, for diagnostics and tests. */
  readonly db: Database;
  /** The group-commit queue every write goes through; `stats` counts its transactions. */
  readonly writeQueue: WriteQueue;
  users: SqliteUserStore;
  groups: SqliteGroupStore;
  messages: SqliteMessageStore;
  notifications: SqliteNotificationStore;
  conversations: SqliteConversationStore;
  sessions: SqliteSessionStore;
  ping(): Promise<void>;
  close(): void;
}

export function openSqliteStores(options: SqliteStoresOptions): SqliteStores {
  const now = options.now ?? Date.now;
  const db = openDatabase(options);
  const queue = new WriteQueue(db, { maxBatch: options.maxBatch });
  const notifications = new SqliteNotificationStore(db, queue, now);
  const receipts = new SqliteReceiptStore(db, queue, now);
  const sessions = new SqliteSessionStore(db, queue, {
    pruneIntervalMs: options.sessionPruneIntervalMs,
    now,
    logger: options.logger,
  });
  const ping = db.prepare('SELECT 1');
  let closed = false;

  return {
    description: `sqlite:${options.path}`,
    path: options.path,
    db,
    writeQueue: queue,
    users: new SqliteUserStore(db, queue, now),
    groups: new SqliteGroupStore(db, queue, now),
    messages: new SqliteMessageStore(db, queue, now, receipts, notifications),
    notifications,
    conversations: new SqliteConversationStore(db),
    sessions,
    async ping() {
      if (closed) throw new Error('the SQLite store is closed');
      ping.get();
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        queue.close();
      } finally {
        sessions.close();
        db.close();
      }
    },
  };
}
