import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';

/**
 * Stores on a SQLite file in a fresh temp folder, and the cleanup that closes
 * them and removes it: the SQLite side of freshPostgresStores, for suites
 * that open their own stores. Inline writer: which thread writes is the store
 * contract suite's concern (it runs both).
 */
export async function freshSqliteStores(prefix: string): Promise<{ stores: SqliteStores; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
  return {
    stores,
    async cleanup() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
