// `npm run bench -- --scale-out`: Parlor on PostgreSQL + Redis, one instance and
// two (the load split across them), with PostgreSQL on loopback and behind a
// proxy that adds N ms each way, against Parlor on SQLite in the same run.
// Private messages, the same load as the main benchmark (closed loop: `pairs`
// senders with `window` messages in flight each). Every configuration is up at
// once and runs are rotated, so no configuration always runs first on a noisy
// machine. See docs/benchmarks.md, "Scale-out mode".

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { installCleanup, onInterrupt, stopAll } from './lib/children.mjs';
import { startDelayProxy } from './lib/delay-proxy.mjs';
import { startLoad } from './lib/load-process.mjs';
import { parseScaleOutOptions } from './lib/scale-out-options.mjs';
import { median } from './lib/stats.mjs';
import { PARLOR_ENTRY, parlorMissingReason, setParlorEntry, startTarget } from './lib/targets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const T0 = performance.now();
const log = (msg) => console.log(`[scale-out ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

const opts = parseScaleOutOptions();
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(RESULTS_DIR, { recursive: true });
installCleanup();

const entry = opts.parlorEntry ?? PARLOR_ENTRY;
for (const e of [entry, opts.beforeEntry].filter(Boolean)) {
  setParlorEntry(e);
  const missing = parlorMissingReason();
  if (missing) throw new Error(missing);
}

/** The configurations measured, SQLite first: it is the baseline of the ratios. */
const postgres = (prefix, build) =>
  opts.delays.flatMap((delayMs) => opts.instances.map((instances) => ({ name: `${prefix}pg ${delayMs}ms x${instances}`, store: 'postgres', instances, delayMs, entry: build })));
const configs = [
  { name: 'sqlite', store: 'sqlite', instances: 1, delayMs: 0, entry },
  ...postgres('', entry),
  ...(opts.beforeEntry ? postgres('before: ', opts.beforeEntry) : []),
];
const cleanups = [];
const results = { meta: { date: new Date().toISOString(), cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version }, options: opts, configs: {} };

try {
  const load = await startLoad('load-scale-out');
  cleanups.push(() => load.stop());
  for (const c of configs) await setUp(c, load);
  for (let run = 0; run < opts.runs; run++) {
    for (const c of configs.map((_, i) => configs[(i + run) % configs.length])) {
      log(`run ${run + 1}/${opts.runs}: ${c.name}`);
      const r = await load.call('runPrivate', {
        target: c.targets[0],
        set: 'private',
        opts: { window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs, contentBytes: opts.contentBytes, serverPid: c.servers.map((s) => s.pid) },
      });
      results.configs[c.name].runs.push(r);
      log(`  ${Math.round(r.msgs_per_s)} msgs/s, p50 ${r.latency_ms.p50?.toFixed(1)} ms, p99 ${r.latency_ms.p99?.toFixed(1)} ms, server CPU ${Math.round(r.server_cpu_pct)}% (all instances), others ${Math.round(r.others_cpu_pct)}%${r.errors ? `, ${r.errors} error frames` : ''}`);
    }
  }
} catch (err) {
  results.error = String(err?.stack ?? err);
  console.error(`\nscale-out benchmark failed: ${results.error}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await stopAll();
}
report();

/** Starts the configuration's servers (and proxy, schema, prefix), registers and connects its users. */
async function setUp(c, load) {
  // One secret for the cluster: a cookie from instance 1 opens sockets on instance 2.
  const env = { SESSION_SECRET: randomBytes(24).toString('hex') };
  if (c.store === 'postgres') {
    const schema = `parlor_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    const prefix = `parlor-bench-${randomBytes(4).toString('hex')}`;
    let databaseUrl = opts.databaseUrl;
    if (c.delayMs > 0) {
      const u = new URL(opts.databaseUrl);
      const proxy = await startDelayProxy({ host: u.hostname, port: Number(u.port || 5432) }, c.delayMs);
      cleanups.push(() => proxy.close());
      databaseUrl = proxy.via(opts.databaseUrl);
    }
    // On the shared services: dropped at the end, and on Ctrl-C too (onInterrupt).
    cleanups.push(onInterrupt(() => dropSchema(schema)), onInterrupt(() => deleteKeys(prefix)));
    Object.assign(env, { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix });
    c.schema = schema;
  }
  c.servers = [];
  setParlorEntry(c.entry);
  for (let i = 0; i < c.instances; i++) {
    const server = await startTarget('parlor', { logFile: join(RESULTS_DIR, `${stamp}-scale-out-${c.name.replace(/\W+/g, '-')}-${i + 1}.log`), parlorEnv: env });
    cleanups.push(() => server.stop());
    c.servers.push(server);
  }
  c.targets = c.servers.map((_, i) => `${c.name.replace(/\W+/g, '-')}-${i + 1}`);
  for (const [i, server] of c.servers.entries()) await load.call('init', { target: c.targets[i], url: server.url, adapter: 'parlor' });
  const users = await load.call('prepareUsers', { target: c.targets[0], count: 2 * opts.pairs });
  // Pair i's sender on instance i mod n, its recipient on instance floor(i / n) mod n: each
  // instance carries as many senders as recipients, and with two instances half the pairs
  // cross between them (through Redis), as behind a load balancer without affinity.
  const n = c.instances;
  const placed = users.map((u, j) => {
    const pair = Math.floor(j / 2);
    const at = j % 2 === 0 ? pair % n : Math.floor(pair / n) % n;
    return { ...u, via: c.targets[at] };
  });
  await load.call('connect', { target: c.targets[0], set: 'private', users: placed });
  results.configs[c.name] = { store: c.store, instances: c.instances, delay_ms: c.delayMs, entry: c.entry, runs: [] };
  log(`${c.name}: ${c.instances} instance(s) up, ${users.length} users connected`);
}

async function dropSchema(schema) {
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function deleteKeys(prefix) {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function report() {
  const rows = [];
  for (const [name, c] of Object.entries(results.configs)) {
    if (c.runs.length === 0) continue;
    const pick = (f) => median(c.runs.map(f));
    c.median = {
      msgs_per_s: pick((r) => r.msgs_per_s),
      p50: pick((r) => r.latency_ms.p50),
      p99: pick((r) => r.latency_ms.p99),
      server_cpu_pct: pick((r) => r.server_cpu_pct),
      others_cpu_pct: pick((r) => r.others_cpu_pct),
      errors: pick((r) => r.errors),
    };
    rows.push([name, c.median]);
  }
  const m = (name) => results.configs[name]?.median;
  const ratio = (a, b) => (m(a) && m(b) ? m(a).msgs_per_s / m(b).msgs_per_s : NaN);
  const d = opts.delays.find((x) => x > 0) ?? opts.delays[0];
  results.targets = [
    { target: 'one instance on PostgreSQL (loopback) >= 0.5x its SQLite throughput', value: ratio('pg 0ms x1', 'sqlite'), met: ratio('pg 0ms x1', 'sqlite') >= 0.5 },
    { target: `one instance at ${d} ms each way >= 5k private msgs/s`, value: m(`pg ${d}ms x1`)?.msgs_per_s, met: m(`pg ${d}ms x1`)?.msgs_per_s >= 5000 },
    { target: `one instance at ${d} ms each way: p50 under 100 ms`, value: m(`pg ${d}ms x1`)?.p50, met: m(`pg ${d}ms x1`)?.p50 < 100 },
    { target: `two instances at ${d} ms >= 1.6x one instance's throughput`, value: ratio(`pg ${d}ms x2`, `pg ${d}ms x1`), met: ratio(`pg ${d}ms x2`, `pg ${d}ms x1`) >= 1.6 },
  ];
  results.meta.entries = { measured: entry, before: opts.beforeEntry };
  const file = join(RESULTS_DIR, `${stamp}-scale-out.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  console.log(`\nParlor scale-out benchmark, ${results.meta.date}, ${results.meta.cpus} x ${results.meta.cpu_model}, Node ${results.meta.node}`);
  console.log(`private messages, ${opts.pairs} pairs x ${opts.window} in flight; median of ${opts.runs} run(s) of ${opts.durationMs} ms; server CPU summed over the instances;`);
  console.log('others: the rest of the machine, i.e. PostgreSQL, Redis and the delay proxy, plus any other process\n');
  console.log('| configuration | msgs/s | vs SQLite | vs before | p50 ms | p99 ms | server CPU % | server CPU µs/msg | others CPU % |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, r] of rows) {
    const before = ratio(name, `before: ${name}`);
    console.log(`| ${name} | ${fmt(r.msgs_per_s)} | ${fmt(ratio(name, 'sqlite'), 2)}x | ${Number.isFinite(before) ? `${fmt(before, 2)}x` : '-'} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.server_cpu_pct)} | ${fmt((r.server_cpu_pct * 1e4) / r.msgs_per_s)} | ${fmt(r.others_cpu_pct)} |`);
  }
  console.log('\nIssue 20 targets:');
  for (const t of results.targets) console.log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.target}: ${fmt(t.value, 2)}`);
  console.log(`\nresults: ${file}`);
}
