import type { Logger } from '../logger.js';
import { openSqliteStores } from './sqlite/index.js';
import type { Stores } from './types.js';

export interface StoreSelection {
  sqlitePath: string;
  databaseUrl?: string;
  /** PostgreSQL schema for every table (created when missing); default: the server's search_path. */
  databaseSchema?: string;
  /** PostgreSQL connections per instance (default 10). */
  databasePoolSize?: number;
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
      logger: selection.logger,
    });
  }
  return openSqliteStores({ path: selection.sqlitePath, logger: selection.logger });
}
