// `npm run bench -- --host-interfaces`: Parlor on SQLite with its own users
// and groups against the same server with a host's UserDirectory and
// GroupMemberFetcher (bench/servers/parlor-host-interfaces.mjs: in-process
// maps, as a host answers from its cached tables), both up at once and the
// runs rotated, so the ratios are taken in one run on one machine state.
// Measured: private messages (throughput) and fan-out to one group
// (deliveries/s). The target (issue 14, item 6): both within 10% of the
// built-in ones. Same load as the main benchmark's scenarios; see docs/benchmarks.md.
// Env: BENCH_RUNS (7), BENCH_DURATION_MS (5000), BENCH_PAIRS (50), BENCH_WINDOW (4), BENCH_GROUP_SIZE (100).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib/stats.mjs';
import { PARLOR_ENTRY } from './lib/targets.mjs';
import { RESULTS_DIR, ROOT, envNumber, modeLogger, runRotatedPair } from './lib/rotated-pair.mjs';

const log = modeLogger('host-interfaces');
const opts = {
  runs: envNumber('RUNS', 7),
  warmupMs: envNumber('WARMUP_MS', 1000),
  durationMs: envNumber('DURATION_MS', 5000),
  pairs: envNumber('PAIRS', 50),
  window: envNumber('WINDOW', 4),
  groupSize: envNumber('GROUP_SIZE', 100),
  contentBytes: 100,
};

const { results, stamp } = await runRotatedPair({
  mode: 'host-interfaces',
  configs: [
    { name: 'built-in', entry: PARLOR_ENTRY },
    { name: 'host interfaces', entry: join(ROOT, 'bench', 'servers', 'parlor-host-interfaces.mjs') },
  ],
  runs: opts.runs,
  options: opts,
  async prepare(load, c) {
    const users = await load.call('prepareUsers', { target: c.target, count: 2 * opts.pairs });
    await load.call('connect', { target: c.target, set: 'private', users: users.map((u) => ({ ...u, via: c.target })) });
    const members = await load.call('prepareUsers', { target: c.target, count: opts.groupSize });
    c.groupId = await load.call('createGroup', { target: c.target, users: members });
    await load.call('connect', { target: c.target, set: 'group', users: members });
    return { private: [], group: [] };
  },
  async measure(load, c, run, record) {
    const common = { window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs, contentBytes: opts.contentBytes, serverPid: [c.server.pid] };
    const p = await load.call('runPrivate', { target: c.target, set: 'private', opts: common });
    record.private.push(p);
    const g = await load.call('runGroup', { target: c.target, set: 'group', groupId: c.groupId, opts: { ...common, senders: 1 } });
    record.group.push(g);
    log(
      `run ${run + 1}/${opts.runs} ${c.name}: private ${Math.round(p.msgs_per_s)} msgs/s${p.errors ? ` (${p.errors} error frames)` : ''}, ` +
        `group of ${opts.groupSize} ${Math.round(g.deliveries_per_s)} deliveries/s${g.errors ? ` (${g.errors} error frames)` : ''}`,
    );
  },
});

const med = (name, scenario, f) => median(results.configs[name]?.[scenario].map(f) ?? []);
const ratioOf = (scenario, f) => med('host interfaces', scenario, f) / med('built-in', scenario, f);
/** The median of each round's host/built-in ratio: the two runs of a round are back to back, so slow drift of a shared machine cancels. */
const pairedRatioOf = (scenario, f) => {
  const host = results.configs['host interfaces']?.[scenario] ?? [];
  return median((results.configs['built-in']?.[scenario] ?? []).map((b, i) => (host[i] ? f(host[i]) / f(b) : NaN)).filter(Number.isFinite));
};
const privateRate = (r) => r.msgs_per_s;
const groupRate = (r) => r.deliveries_per_s;
/** Server CPU per unit of work: less sensitive than throughput to what else runs on the machine. */
const privateCpu = (r) => r.server_cpu_us_per_msg;
const groupCpu = (r) => (r.server_cpu_pct * 1e4) / r.deliveries_per_s;
results.ratio = { private: ratioOf('private', privateRate), group: ratioOf('group', groupRate) };
results.paired_ratio = { private: pairedRatioOf('private', privateRate), group: pairedRatioOf('group', groupRate) };
results.cpu_ratio = { private: ratioOf('private', privateCpu), group: ratioOf('group', groupCpu) };
results.target = {
  target: 'host interfaces >= 0.9x the built-in throughput, private and fan-out',
  value: results.ratio,
  met: results.ratio.private >= 0.9 && results.ratio.group >= 0.9,
};
const file = join(RESULTS_DIR, `${stamp}-host-interfaces.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(`\nParlor host-interfaces benchmark, ${results.meta.date}, ${results.meta.cpus} x ${results.meta.cpu_model}, Node ${results.meta.node}`);
console.log(`SQLite; private: ${opts.pairs} pairs x ${opts.window} in flight; group: ${opts.groupSize} members, 1 sender; median of ${opts.runs} run(s) of ${opts.durationMs} ms\n`);
console.log('| configuration | private msgs/s | private p50 ms | server CPU µs/msg | group deliveries/s | group last-member p50 ms | server CPU µs/delivery |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const name of Object.keys(results.configs)) {
  console.log(
    `| ${name} | ${fmt(med(name, 'private', privateRate))} | ${fmt(med(name, 'private', (r) => r.latency_ms.p50), 1)} | ${fmt(med(name, 'private', privateCpu), 1)} | ` +
      `${fmt(med(name, 'group', groupRate))} | ${fmt(med(name, 'group', (r) => r.last_member_latency_ms.p50), 1)} | ${fmt(med(name, 'group', groupCpu), 2)} |`,
  );
}
console.log(`\n${results.target.met ? 'met    ' : 'NOT met'}  ${results.target.target}: private ${fmt(results.ratio.private, 2)}x, group ${fmt(results.ratio.group, 2)}x`);
console.log(`paired (median of per-round ratios): private ${fmt(results.paired_ratio.private, 2)}x, group ${fmt(results.paired_ratio.group, 2)}x`);
console.log(`server CPU per unit, host / built-in: private ${fmt(results.cpu_ratio.private, 2)}x, group ${fmt(results.cpu_ratio.group, 2)}x`);
console.log(`results: ${file}`);
