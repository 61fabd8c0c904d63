import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-contract-'));
  const stores = openSqliteStores({ path: join(dir, 'contract.db') });
  return {
    stores,
    async cleanup() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
