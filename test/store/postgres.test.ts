import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStores, type PostgresStoresOptions } from '../../src/store/postgres/index.js';
import { describeWithPostgres } from '../support/services.js';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { runStoreContract } from './store-contract.js';

await describeWithPostgres('postgres store', (url) => {
  runStoreContract('postgres', async () => {
    const schema = freshSchema();
    const stores = await openPostgresStores({ connectionString: url, schema, sessionPruneIntervalMs: 0 });
    return {
      stores,
      async cleanup() {
        await stores.close();
        await dropSchema(url, schema);
      },
    };
  });
});
