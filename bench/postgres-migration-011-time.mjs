// How long PostgreSQL migration 011 (the client_id index rebuilt, client_id
// first) holds its lock on `messages`, by table size: a fresh schema migrated
// without 011, filled with N private messages by one INSERT ... SELECT (each
// with a time-ordered client id, as the SDK sends; the consent trigger off
// for the fill), then opened with every migration, timed. The schema is
// dropped at the end. The lock is ACCESS EXCLUSIVE: reads of `messages` wait
// too (docs/operations.md, "Migrations").
//
//   npm run build && node bench/postgres-migration-011-time.mjs [--rows 1000000] [--rounds 2]
//
// DATABASE_URL as for the tests (default postgres://postgres@127.0.0.1:5432/test).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DEFAULT_MIGRATIONS_DIR, openPostgresStores } from '../dist/store/postgres/index.js';
import { numberFlagOf } from './lib/flags.mjs';
import { migrationsWithout } from './lib/pg-migrations.mjs';

const flag = numberFlagOf();
const rows = flag('--rows', 1_000_000);
const rounds = flag('--rounds', 2);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const before011 = migrationsWithout('011_client_id_first.sql');
const open = (schema, migrationsDir) => openPostgresStores({ connectionString: url, schema, migrationsDir, sessionPruneIntervalMs: 0, membershipCacheGroups: 0 });

const admin = new pg.Client({ connectionString: url });
await admin.connect();
console.log('| round | rows | table size | migration 011, s |');
console.log('| ---: | ---: | ---: | ---: |');
try {
  for (let round = 1; round <= rounds; round++) {
    const schema = `bench_m011_${Date.now().toString(36)}_${round}`;
    try {
      await (await open(schema, before011.dir)).close();
      const messages = `${schema}.messages`;
      await admin.query(`ALTER TABLE ${messages} DISABLE TRIGGER USER`);
      await admin.query(`INSERT INTO ${messages} (sender_id, recipient_id, content, client_id)
        SELECT 1 + (i % 1000), 1 + ((i * 7) % 1000), 'a message of about sixty-four characters, as the benchmark sends',
               lpad(to_hex(i), 16, '0') || '-' || i
        FROM generate_series(1, ${rows}) AS i`);
      await admin.query(`ALTER TABLE ${messages} ENABLE TRIGGER USER`);
      await admin.query(`VACUUM ANALYZE ${messages}`);
      const size = (await admin.query(`SELECT pg_size_pretty(pg_total_relation_size('${messages}')) AS s`)).rows[0].s;
      const started = performance.now();
      await (await open(schema, DEFAULT_MIGRATIONS_DIR)).close();
      console.log(`| ${round} | ${rows} | ${size} | ${((performance.now() - started) / 1000).toFixed(2)} |`);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  }
} finally {
  await admin.end();
  before011.remove();
}
