// Where a private message's CPU goes, per thread of the Parlor server, read
// from /proc (Linux) during one pinned Parlor-only run at peak and at half of
// that peak: CPU µs per message of the main thread, the SQLite write worker
// and the rest (V8's GC and compiler threads), and per message the write
// syscalls and context switches of the main thread and of the worker. Counts
// are what the machine's noise disturbs least, so a change that is meant to
// save syscalls or wake-ups can be checked with them on a shared machine.
//
//   npm run build && node bench/thread-costs.mjs [--parlor-entry PATH/dist/server.js] [--label NAME] [--load-fraction F]
//
// `--load-fraction F` runs the second window at F of the peak instead of half
// (bench/run.mjs's flag): what a message costs at lighter or heavier load.
// `core` is the server's CPU at that rate as a share of one core.
//
// The windows are the measured seconds of each run, less their first 1.5 s
// (the run's own start-up); the message rate is the run's own (its JSON).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadName } from './lib/report.mjs';
import { flagOf } from './lib/flags.mjs';

const flag = flagOf();
const entry = flag('--parlor-entry', fileURLToPath(new URL('../dist/server.js', import.meta.url)));
const label = flag('--label', entry);
const loadFraction = flag('--load-fraction', '0.5');
const SETTLE_MS = 1500;
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

const dir = mkdtempSync(join(tmpdir(), 'parlor-thread-costs-'));
const out = join(dir, 'run.json');
const bench = spawn(
  process.execPath,
  [fileURLToPath(new URL('run.mjs', import.meta.url)), '--pinned', '--only', 'parlor', '--skip', 'group,idle,reads', '--runs', '1', '--half-load-runs', '1', '--load-fraction', loadFraction, '--parlor-entry', entry, '--out', out],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let log = '';
bench.stdout.on('data', (d) => (log += d));
bench.stderr.on('data', (d) => (log += d));
const exited = new Promise((resolve) => bench.on('exit', resolve));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(pattern) {
  while (!pattern.test(log)) {
    if (bench.exitCode !== null) throw new Error(`the benchmark ended early:\n${log}`);
    await sleep(20);
  }
}

/** Per thread: CPU ticks (user + system), write syscalls, context switches (voluntary + not). */
function snapshot(pid) {
  const threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const io = readFileSync(`/proc/${pid}/task/${tid}/io`, 'utf8');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const num = (re, text) => Number(text.match(re)?.[1] ?? 0);
      threads.set(tid === String(pid) ? 'main' : tid, {
        cpu: Number(f[11]) + Number(f[12]),
        writes: num(/syscw: (\d+)/, io),
        switches: num(/^voluntary_ctxt_switches:\s+(\d+)/m, status) + num(/^nonvoluntary_ctxt_switches:\s+(\d+)/m, status),
      });
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return threads;
}

function costs(before, after, messages) {
  const delta = new Map();
  for (const [tid, a] of after) {
    const b = before.get(tid);
    if (b) delta.set(tid, { cpu: a.cpu - b.cpu, writes: a.writes - b.writes, switches: a.switches - b.switches });
  }
  // The write worker: the busiest thread but the main one.
  const [workerId] = [...delta].filter(([t]) => t !== 'main').sort((x, y) => y[1].cpu - x[1].cpu)[0] ?? [];
  const us = (ticks) => (ticks * 1e6) / TICKS_PER_S / messages;
  const per = (n) => n / messages;
  const main = delta.get('main');
  const worker = delta.get(workerId) ?? { cpu: 0, writes: 0, switches: 0 };
  let other = 0;
  for (const [t, d] of delta) if (t !== 'main' && t !== workerId) other += d.cpu;
  return {
    cpu_us: { main: us(main.cpu), worker: us(worker.cpu), other: us(other), total: us(main.cpu + worker.cpu + other) },
    per_message: { main_writes: per(main.writes), main_switches: per(main.switches), worker_writes: per(worker.writes), worker_switches: per(worker.switches) },
  };
}

try {
  await until(/Parlor: pid (\d+)/);
  const pid = Number(log.match(/Parlor: pid (\d+)/)[1]);
  const windows = {};
  for (const [name, start, end] of [
    ['peak', /private: run 1\/1/, /msgs\/s, p50/],
    ['half', /(half load|of peak) \(.*\): run 1\/1/, /achieved/],
  ]) {
    await until(start);
    await sleep(SETTLE_MS);
    const before = snapshot(pid);
    const t0 = performance.now();
    await until(end);
    windows[name] = { before, after: snapshot(pid), ms: performance.now() - t0 };
  }
  await exited;
  const result = JSON.parse(readFileSync(out, 'utf8'));
  const runs = { peak: result.private.runs.parlor[0], half: result.halfload.runs.parlor[0] };
  const f = (x, d = 1) => x.toFixed(d);
  for (const name of ['peak', 'half']) {
    const run = runs[name];
    const w = windows[name];
    const c = costs(w.before, w.after, (run.msgs_per_s * w.ms) / 1000);
    console.log(
      `${label} ${name === 'half' ? loadName(result.halfload.fraction) : name}: ${f(run.msgs_per_s, 0)} msgs/s, core ${f((c.cpu_us.total * run.msgs_per_s) / 1e4, 0)}%, p50 ${f(run.latency_ms.p50, 2)} p99 ${f(run.latency_ms.p99, 2)} ms, others ${f(run.others_cpu_pct, 0)}% | ` +
        `CPU µs/msg main ${f(c.cpu_us.main)} worker ${f(c.cpu_us.worker)} other ${f(c.cpu_us.other)} total ${f(c.cpu_us.total)} | ` +
        `per msg: main writes ${f(c.per_message.main_writes, 2)} switches ${f(c.per_message.main_switches, 2)}, worker writes ${f(c.per_message.worker_writes, 2)} switches ${f(c.per_message.worker_switches, 2)}`,
    );
  }
} finally {
  if (bench.exitCode === null) bench.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
