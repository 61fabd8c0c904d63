#!/usr/bin/env node
// `node bench/session-recheck.mjs` (after `npm run build`): what the session
// re-check costs one instance holding 10,000 cookie sockets. It times the one
// batched question the re-check asks each SESSION_RECHECK_MS
// (`liveSessionIds` with 10,000 ids) on the SQLite and PostgreSQL session
// stores, against a baseline measured in the same run: one `get` per session,
// what a per-socket check would cost. Prints medians and ratios; see
// docs/benchmarks.md. PostgreSQL: DATABASE_URL (default the local test
// database), in a schema of its own that is dropped afterwards; skipped with
// the reason when unreachable.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { median } from './lib/stats.mjs';

const SOCKETS = Number(process.env.RECHECK_SESSIONS ?? 10_000);
/** Sessions in the store that no socket of this instance holds (other instances' users). */
const OTHER_SESSIONS = SOCKETS;
/** Asked ids whose session has ended (their sockets get closed). */
const ENDED_EVERY = 20;
const BATCH_RUNS = 15;
const BASELINE_RUNS = 3;
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const { openSqliteStores } = await import('../dist/store/sqlite/index.js');
const { openPostgresStores } = await import('../dist/store/postgres/index.js');

const asked = Array.from({ length: SOCKETS }, (_, i) => `bench-sid-${i}`);
const day = () => ({ cookie: { originalMaxAge: 86_400_000, expires: new Date(Date.now() + 86_400_000).toISOString() }, userId: 1 });

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Medians of the batched question and of the per-session baseline, on one store. */
async function measure(sessions) {
  const get = (sid) => new Promise((resolve, reject) => sessions.get(sid, (err, s) => (err ? reject(err) : resolve(s))));
  const live = await sessions.liveSessionIds(asked);
  const expected = SOCKETS - Math.ceil(SOCKETS / ENDED_EVERY);
  if (live.length !== expected) throw new Error(`liveSessionIds found ${live.length} live sessions, expected ${expected}`);
  const batch = [];
  for (let i = 0; i < BATCH_RUNS; i++) batch.push(await time(() => sessions.liveSessionIds(asked)));
  const perSession = [];
  for (let i = 0; i < BASELINE_RUNS; i++) perSession.push(await time(() => Promise.all(asked.map(get))));
  return { batch: median(batch), perSession: median(perSession) };
}

async function sqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-bench-recheck-'));
  const stores = openSqliteStores({ path: join(dir, 'bench.db'), sessionPruneIntervalMs: 0 });
  try {
    const set = (sid, s) => new Promise((resolve, reject) => stores.sessions.set(sid, s, (err) => (err ? reject(err) : resolve())));
    await Promise.all(asked.map((sid) => set(sid, day())));
    await Promise.all(Array.from({ length: OTHER_SESSIONS }, (_, i) => set(`other-sid-${i}`, day())));
    await Promise.all(asked.filter((_, i) => i % ENDED_EVERY === 0).map((sid) => new Promise((r) => stores.sessions.destroy(sid, r))));
    return await measure(stores.sessions);
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres() {
  const schema = `parlor_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    return { skipped: `PostgreSQL at ${new URL(DATABASE_URL).host} unreachable (${err.message})` };
  }
  let stores;
  try {
    stores = await openPostgresStores({ connectionString: DATABASE_URL, schema, sessionPruneIntervalMs: 0, membershipCacheGroups: 0 });
    const table = `"${schema}"."session"`;
    const insert = (prefix, n) =>
      admin.query(`INSERT INTO ${table} (sid, sess, expire) SELECT $1 || g, $2::json, now() + interval '1 day' FROM generate_series(0, $3 - 1) g`, [prefix, JSON.stringify(day()), n]);
    await insert('bench-sid-', SOCKETS);
    await insert('other-sid-', OTHER_SESSIONS);
    await admin.query(`DELETE FROM ${table} WHERE sid = ANY($1::text[])`, [asked.filter((_, i) => i % ENDED_EVERY === 0)]);
    await admin.query(`ANALYZE ${table}`);
    return await measure(stores.sessions);
  } finally {
    await stores?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end();
  }
}

const rows = [
  ['SQLite (file, WAL)', await sqlite()],
  ['PostgreSQL (pool of 10)', await postgres()],
];
console.log(`session re-check, ${SOCKETS.toLocaleString('en')} cookie sockets on one instance, ${OTHER_SESSIONS.toLocaleString('en')} other sessions in the store, 1 in ${ENDED_EVERY} ended`);
console.log(`medians: batched question of ${BATCH_RUNS} runs, per-session baseline of ${BASELINE_RUNS} runs, same process\n`);
console.log('| store | one batched liveSessionIds, ms | one get per session (baseline), ms | batched / baseline |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, r] of rows) {
  if (r.skipped) console.log(`| ${name} | skipped: ${r.skipped} | | |`);
  else console.log(`| ${name} | ${r.batch.toFixed(1)} | ${r.perSession.toFixed(1)} | ${(r.batch / r.perSession).toFixed(3)}x |`);
}
