// What the order of the client_id index (migration 011) changes on
// PostgreSQL: WAL bytes and wall time per private message, through the real
// store (PgMessageStore.savePrivate, batched by MessageQueue into one
// parlor_insert_messages statement), one batch of `--senders` messages at a
// time, each sender a client_id of the SDK's (UUIDv7) per message. Two fresh
// schemas per round: "before" is migrated without 011, "after" with it;
// rounds alternate. The schemas are dropped at the end. Other writers on the
// same server add to the WAL figures: run it on a quiet one.
//
//   npm run build && node bench/postgres-client-id-wal.mjs [--rounds 3] [--senders 60] [--history 8000] [--batches 200]
//
// DATABASE_URL as for the tests (default postgres://postgres@127.0.0.1:5432/test).
import pg from 'pg';
import { generateClientId } from '../dist/client/client-id.js';
import { openPostgresStores } from '../dist/store/postgres/index.js';
import { numberFlagOf } from './lib/flags.mjs';
import { migrationsWithout } from './lib/pg-migrations.mjs';

const flag = numberFlagOf();
const rounds = flag('--rounds', 3);
const senders = flag('--senders', 60);
const history = flag('--history', 8000);
const batches = flag('--batches', 200);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const before011 = migrationsWithout('011_client_id_first.sql');

const admin = new pg.Client({ connectionString: url });
await admin.connect();
const lsn = async () => (await admin.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
const walBytes = async (from) => Number((await admin.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [from])).rows[0].d);

async function measure(label, migrationsDir) {
  const schema = `parlor_walbench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const stores = await openPostgresStores({ connectionString: url, schema, migrationsDir, membershipCacheGroups: 0, sessionPruneIntervalMs: 0 });
  try {
    const batch = () =>
      Promise.all(Array.from({ length: senders }, (_, i) => stores.messages.savePrivate({ from: i + 1, to: i + 1 + senders, content: 'x'.repeat(64), clientId: generateClientId() })));
    for (let sent = 0; sent < history; sent += senders) await batch();
    const from = await lsn();
    const t = performance.now();
    for (let i = 0; i < batches; i++) await batch();
    const ms = performance.now() - t;
    const bytes = await walBytes(from);
    return { label, walPerMessage: bytes / (batches * senders), usPerMessage: (1000 * ms) / (batches * senders) };
  } finally {
    await stores.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

console.log(`PostgreSQL, ${senders} senders a batch, ${history} messages before, ${batches} batches measured, SDK client ids`);
console.log('| round | build | WAL bytes per message | wall µs per message |\n| ---: | --- | ---: | ---: |');
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [label, dir] of [['before 011', before011.dir], ['after 011', undefined]]) {
      const r = await measure(label, dir);
      console.log(`| ${round} | ${r.label} | ${r.walPerMessage.toFixed(0)} | ${r.usPerMessage.toFixed(1)} |`);
    }
  }
} finally {
  await admin.end();
  before011.remove();
}
