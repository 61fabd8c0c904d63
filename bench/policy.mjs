// `npm run bench -- --policy`: Parlor on SQLite, private messages, without a
// messagePolicy and with one that allows everything, both up at once and the
// runs rotated, so the ratio is taken in one run on one machine state. The
// target (issue 17, item 5): the policy's throughput within 10% of none.
// Same load as the main benchmark's private scenario; see docs/benchmarks.md.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib/stats.mjs';
import { PARLOR_ENTRY } from './lib/targets.mjs';
import { RESULTS_DIR, ROOT, envNumber, modeLogger, runRotatedPair } from './lib/rotated-pair.mjs';

const log = modeLogger('policy');
const opts = { runs: envNumber('RUNS', 7), warmupMs: envNumber('WARMUP_MS', 1000), durationMs: envNumber('DURATION_MS', 5000), pairs: envNumber('PAIRS', 50), window: envNumber('WINDOW', 4), contentBytes: 100 };

const { results, stamp } = await runRotatedPair({
  mode: 'policy',
  configs: [
    { name: 'no policy', entry: PARLOR_ENTRY },
    { name: 'allow-all policy', entry: join(ROOT, 'bench', 'servers', 'parlor-allow-all.mjs') },
  ],
  runs: opts.runs,
  options: opts,
  async prepare(load, c) {
    const users = await load.call('prepareUsers', { target: c.target, count: 2 * opts.pairs });
    await load.call('connect', { target: c.target, set: 'private', users: users.map((u) => ({ ...u, via: c.target })) });
    return { runs: [] };
  },
  async measure(load, c, run, record) {
    const r = await load.call('runPrivate', {
      target: c.target,
      set: 'private',
      opts: { window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs, contentBytes: opts.contentBytes, serverPid: [c.server.pid] },
    });
    record.runs.push(r);
    log(`run ${run + 1}/${opts.runs} ${c.name}: ${Math.round(r.msgs_per_s)} msgs/s, p50 ${r.latency_ms.p50?.toFixed(1)} ms${r.errors ? `, ${r.errors} error frames` : ''}`);
  },
});

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
