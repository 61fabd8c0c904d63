/**
 * The PostgreSQL store against the shared contract (test/store/store-contract.ts),
 * unchanged, in a fresh schema per run, dropped after. What only PostgreSQL
 * has is in the postgres-*.test.ts files next to this one: schema, migrations,
 * idempotency, commit order, sessions and outages.
 */
import { freshPostgresStores } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';
import { runStoreContract } from './store-contract.js';

await describeWithPostgres('postgres store', (url) => {
  runStoreContract('postgres', () => freshPostgresStores(url));
});
