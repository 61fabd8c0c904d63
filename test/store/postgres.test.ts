/**
 * The PostgreSQL store against the shared contract (test/store/store-contract.ts),
 * unchanged, in a fresh schema per run, dropped after. What only PostgreSQL
 * has is in the postgres-*.test.ts files next to this one: schema, migrations,
 * idempotency, commit order, sessions and outages.
 */
import { openPostgresStores } from '../../src/store/postgres/index.js';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { describeWithPostgres } from '../support/services.js';
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
