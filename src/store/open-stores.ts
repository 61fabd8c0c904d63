import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import { openSqliteStores } from './sqlite/index.js';
import type { Stores } from './types.js';

export interface StoreSelection {
  sqlitePath: string;
  databaseUrl?: string;
  logger: Logger;
}

/** SQLite by default; PostgreSQL when DATABASE_URL is set. */
export async function openStores(selection: StoreSelection): Promise<Stores> {
  if (selection.databaseUrl) {
    throw new ConfigError('DATABASE_URL is set, but the PostgreSQL store is not built yet (issue: scale out); unset it to use SQLite');
  }
  return openSqliteStores({ path: selection.sqlitePath, logger: selection.logger });
}
