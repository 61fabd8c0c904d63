/**
 * The scale-out backend: users, groups, messages, notifications and sessions
 * in PostgreSQL, shared by every instance. `openPostgresStores` creates the
 * pool, applies pending migrations (db/postgres/) and returns every store;
 * `close()` lets pending writes finish, then ends the pool.
 *
 * Loaded only through a dynamic import (src/store/open-stores.ts), so an
 * installation on SQLite never loads pg.
 */
import { withLoggableLogger } from '../../loggable-error.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_MEMBERSHIP_CACHE_GROUPS, MembershipCache } from '../membership-cache.js';
import type { Stores } from '../types.js';
import { PgConsentStore } from './consent-store.js';
import { PgConversationStore } from './conversation-store.js';
import { PgDatabase, type PgDatabaseOptions } from './database.js';
import { PgGroupStore } from './group-store.js';
import { DeliveredQueue } from './delivered-queue.js';
import { MembershipListener, type MembershipListenerOptions, membershipChannel } from './membership-listener.js';
import { MessageQueue } from './message-queue.js';
import { PgMessageStore } from './message-store.js';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from './migrations.js';
import { PgNotificationStore } from './notification-store.js';
import { PgReceiptStore } from './receipt-store.js';
import { PgSessionStore } from './session-store.js';
import { PgUserStore } from './user-store.js';
import { PgTokenVersionStore } from './token-version-store.js';

export { DEFAULT_SCHEMA, PgDatabase, describeConnection } from './database.js';
export { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from './migrations.js';
export { MESSAGE_LOCK_SQL, MessageQueue, type MessageQueueStats } from './message-queue.js';
export { PgSessionStore } from './session-store.js';

export interface PostgresStoresOptions extends PgDatabaseOptions {
  logger?: Logger;
  /** Folder of numbered `.sql` migrations (default: the package's `db/postgres/`). */
  migrationsDir?: URL | string;
  /** Message writes (and `delivered` marks) per group-commit statement at most (default 256). */
  maxBatch?: number;
  /** How often expired sessions are deleted; 0 turns it off (default 15 minutes). */
  sessionPruneIntervalMs?: number;
  /**
   * Groups whose accepted members are kept in memory (default 10,000), kept
   * honest across instances by LISTEN/NOTIFY (src/store/postgres/membership-listener.ts);
   * 0 turns the cache and its listening connection off.
   */
  membershipCacheGroups?: number;
  /** Heartbeat and reconnect timings of the membership listener (defaults in membership-listener.ts). */
  membershipListener?: Omit<MembershipListenerOptions, 'logger'>;
}

export interface PostgresStores extends Stores {
  /** The pool and its helpers, for diagnostics and tests. */
  readonly db: PgDatabase;
  /** The group-commit queue message inserts go through; `stats` counts its transactions. */
  readonly messageQueue: MessageQueue;
  /** The group-commit queue of `delivered` marks. */
  readonly deliveredQueue: DeliveredQueue;
  users: PgUserStore;
  groups: PgGroupStore;
  messages: PgMessageStore;
  notifications: PgNotificationStore;
  conversations: PgConversationStore;
  consent: PgConsentStore;
  sessions: PgSessionStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openPostgresStores(given: PostgresStoresOptions): Promise<PostgresStores> {
  const options = withLoggableLogger(given);
  const db = new PgDatabase(options);
  try {
    await applyMigrations(db, options);
  } catch (err) {
    await db.close();
    throw err;
  }

  const queue = new MessageQueue(db, { maxBatch: options.maxBatch });
  const delivered = new DeliveredQueue(db, { maxBatch: options.maxBatch });
  const cacheGroups = options.membershipCacheGroups ?? DEFAULT_MEMBERSHIP_CACHE_GROUPS;
  const cache = cacheGroups > 0 ? new MembershipCache(cacheGroups, { enabled: false }) : null;
  const channel = membershipChannel(db.schema);
  const listener = cache ? new MembershipListener(db, cache, channel, { ...options.membershipListener, logger: options.logger }) : null;
  listener?.start();
  const notifications = new PgNotificationStore(db);
  const sessions = new PgSessionStore(db, { pruneIntervalMs: options.sessionPruneIntervalMs, logger: options.logger });
  const consent = new PgConsentStore(db);
  let closing: Promise<void> | undefined;

  options.logger?.info({ store: db.description, schema: db.schema, poolSize: options.poolSize ?? 10 }, 'opened PostgreSQL store');
  return {
    description: db.description,
    db,
    messageQueue: queue,
    deliveredQueue: delivered,
    users: new PgUserStore(db),
    tokenVersions: new PgTokenVersionStore(db),
    // Every instance NOTIFYs its membership changes, also with its own cache off: the others' caches need them.
    groups: new PgGroupStore(db, cache, channel),
    messages: new PgMessageStore(db, queue, new PgReceiptStore(db, delivered), notifications),
    notifications,
    conversations: new PgConversationStore(db),
    consent,
    sessions,
    health() {
      return { writes: { ...queue.stats, pending: queue.size }, membershipCache: cache?.snapshot() ?? null };
    },
    async ping() {
      await db.query('SELECT 1');
    },
    close() {
      return (closing ??= (async () => {
        sessions.close();
        await listener?.close();
        await Promise.all([queue.close(), delivered.close(), consent.close()]);
        await db.close();
      })());
    },
  };
}

/** On a connection of its own, without the pool's timeouts: a migration may take long. */
async function applyMigrations(db: PgDatabase, options: PostgresStoresOptions): Promise<void> {
  const client = db.dedicatedClient();
  client.on('error', () => {}); // a lost socket fails the pending query, which is what we report
  await client.connect();
  try {
    await migrate(client, loadMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR), { schema: db.schema, logger: options.logger });
  } finally {
    await client.end().catch(() => {});
  }
}
