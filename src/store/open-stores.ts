import type { Logger } from '../logger.js';
import type { PostgresStores, PostgresStoresOptions } from './postgres/index.js';
import { openSqliteStores } from './sqlite/index.js';
import type { Stores } from './types.js';

export interface StoreSelection {
  sqlitePath: string;
  databaseUrl?: string;
  /** PostgreSQL schema for every table (created when missing); default `parlor`. */
  databaseSchema?: string;
  /** PostgreSQL connections per instance (default 10). */
  databasePoolSize?: number;
  /** Groups whose accepted members are cached (default 10,000; 0: off). */
  membershipCacheGroups?: number;
  logger: Logger;
}

/**
 * SQLite by default; PostgreSQL when DATABASE_URL is set. The PostgreSQL
 * store is imported on demand, so an installation on SQLite never loads pg.
 */
export async function openStores(selection: StoreSelection): Promise<Stores> {
  if (selection.databaseUrl) {
    const { openPostgresStores } = await import('./postgres/index.js');
    return openPostgresStores({
      connectionString: selection.databaseUrl,
      schema: selection.databaseSchema,
      poolSize: selection.databasePoolSize,
      membershipCacheGroups: selection.membershipCacheGroups,
      logger: selection.logger,
    });
  }
  return openSqliteStores({ path: selection.sqlitePath, membershipCacheGroups: selection.membershipCacheGroups, logger: selection.logger });
}

/**
 * The PostgreSQL stores for a host app (pool, migrations, every store,
 * sessions through connect-pg-simple). A dynamic import, like `openStores`:
 * importing the package does not load `pg`.
 */
export async function openPostgresStores(options: PostgresStoresOptions): Promise<PostgresStores> {
  const postgres = await import('./postgres/index.js');
  return postgres.openPostgresStores(options);
}
