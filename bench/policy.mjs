// `npm run bench -- --policy`: Parlor on SQLite, private messages, without a
// messagePolicy and with one that allows everything, both up at once and the
// runs rotated, so the ratio is taken in one run on one machine state. The
// target (issue 17, item 5): the policy's throughput within 10% of none.
// Same load as the main benchmark's private scenario; see docs/benchmarks.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanup, stopAll } from './lib/children.mjs';
import { startLoad } from './lib/load-process.mjs';
import { median } from './lib/stats.mjs';
import { PARLOR_ENTRY, parlorMissingReason, setParlorEntry, startTarget } from './lib/targets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const T0 = performance.now();
const log = (msg) => console.log(`[policy ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

const num = (name, fallback) => Number(process.env[`BENCH_${name}`] ?? fallback);
const opts = { runs: num('RUNS', 7), warmupMs: num('WARMUP_MS', 1000), durationMs: num('DURATION_MS', 5000), pairs: num('PAIRS', 50), window: num('WINDOW', 4), contentBytes: 100 };
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(RESULTS_DIR, { recursive: true });
installCleanup();
setParlorEntry(PARLOR_ENTRY);
const missing = parlorMissingReason();
if (missing) throw new Error(missing);

const configs = [
  { name: 'no policy', entry: PARLOR_ENTRY },
  { name: 'allow-all policy', entry: join(ROOT, 'bench', 'servers', 'parlor-allow-all.mjs') },
];
const results = { meta: { date: new Date().toISOString(), cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version }, options: opts, configs: {} };
const cleanups = [];

try {
  const load = await startLoad('load-policy');
  cleanups.push(() => load.stop());
  for (const c of configs) {
    setParlorEntry(c.entry);
    const server = await startTarget('parlor', { logFile: join(RESULTS_DIR, `${stamp}-policy-${c.name.replace(/\W+/g, '-')}.log`) });
    cleanups.push(() => server.stop());
    c.server = server;
    c.target = c.name.replace(/\W+/g, '-');
    await load.call('init', { target: c.target, url: server.url, adapter: 'parlor' });
    const users = await load.call('prepareUsers', { target: c.target, count: 2 * opts.pairs });
    await load.call('connect', { target: c.target, set: 'private', users: users.map((u) => ({ ...u, via: c.target })) });
    results.configs[c.name] = { runs: [] };
  }
  for (let run = 0; run < opts.runs; run++) {
    for (const c of configs.map((_, i) => configs[(i + run) % configs.length])) {
      const r = await load.call('runPrivate', {
        target: c.target,
        set: 'private',
        opts: { window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs, contentBytes: opts.contentBytes, serverPid: [c.server.pid] },
      });
      results.configs[c.name].runs.push(r);
      log(`run ${run + 1}/${opts.runs} ${c.name}: ${Math.round(r.msgs_per_s)} msgs/s, p50 ${r.latency_ms.p50?.toFixed(1)} ms${r.errors ? `, ${r.errors} error frames` : ''}`);
    }
  }
} catch (err) {
  results.error = String(err?.stack ?? err);
  console.error(`\npolicy benchmark failed: ${results.error}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await stopAll();
}

const med = (name, f) => median(results.configs[name]?.runs.map(f) ?? []);
const none = med('no policy', (r) => r.msgs_per_s);
const withPolicy = med('allow-all policy', (r) => r.msgs_per_s);
results.ratio = withPolicy / none;
results.target = { target: 'allow-all policy >= 0.9x the throughput of none', value: results.ratio, met: results.ratio >= 0.9 };
const file = join(RESULTS_DIR, `${stamp}-policy.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(`\nParlor policy benchmark, ${results.meta.date}, ${results.meta.cpus} x ${results.meta.cpu_model}, Node ${results.meta.node}`);
console.log(`private messages on SQLite, ${opts.pairs} pairs x ${opts.window} in flight; median of ${opts.runs} run(s) of ${opts.durationMs} ms\n`);
console.log('| configuration | msgs/s | p50 ms | p99 ms |');
console.log('| --- | --- | --- | --- |');
for (const name of Object.keys(results.configs)) {
  console.log(`| ${name} | ${fmt(med(name, (r) => r.msgs_per_s))} | ${fmt(med(name, (r) => r.latency_ms.p50), 1)} | ${fmt(med(name, (r) => r.latency_ms.p99), 1)} |`);
}
console.log(`\n${results.target.met ? 'met    ' : 'NOT met'}  ${results.target.target}: ${fmt(results.ratio, 2)}x`);
console.log(`results: ${file}`);
