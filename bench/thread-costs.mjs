// Where a private message's CPU goes, per thread of the Parlor server, read
// from /proc (Linux) during one pinned Parlor-only run at peak and at half of
// that peak: CPU µs per message of the main thread, the SQLite write worker
// and the rest (V8's GC and compiler threads), and per message the write
// syscalls and context switches of the main thread and of the worker. Counts
// are what the machine's noise disturbs least, so a change that is meant to
// save syscalls or wake-ups can be checked with them on a shared machine.
//
//   npm run build && node bench/thread-costs.mjs [--parlor-entry PATH/dist/server.js] [--label NAME] [--load-fraction F] [--gc]
//
// `--gc` runs the server with `--trace-gc-nvp` and adds, per window, the main
// thread's young-generation collections: how many, their mean pause, the bytes
// they promoted to the old generation per message, how much the old generation
// grew per message (promoted, plus what was allocated there directly), and the
// full collections (mark-compact) that this growth brings. Those are what set
// the half-load tail in issue 19's eighth and tenth passes (bench/RESULTS.md).
//
// `--load-fraction F` runs the second window at F of the peak instead of half
// (bench/run.mjs's flag): what a message costs at lighter or heavier load.
// `core` is the server's CPU at that rate as a share of one core.
//
// The windows are the measured seconds of each run, less their first 1.5 s
// (the run's own start-up); the message rate is the run's own (its JSON).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadName } from './lib/report.mjs';
import { flagOf } from './lib/flags.mjs';

const flag = flagOf();
const entry = flag('--parlor-entry', fileURLToPath(new URL('../dist/server.js', import.meta.url)));
const label = flag('--label', entry);
const loadFraction = flag('--load-fraction', '0.5');
const gc = process.argv.includes('--gc');
const SETTLE_MS = 1500;
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

const dir = mkdtempSync(join(tmpdir(), 'parlor-thread-costs-'));
const out = join(dir, 'run.json');
const bench = spawn(
  process.execPath,
  [fileURLToPath(new URL('run.mjs', import.meta.url)), '--pinned', '--only', 'parlor', '--skip', 'group,idle,reads', '--runs', '1', '--half-load-runs', '1', '--load-fraction', loadFraction, '--parlor-entry', entry, '--out', out],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: gc ? { ...process.env, BENCH_PARLOR_NODE_ARGS: `${process.env.BENCH_PARLOR_NODE_ARGS ?? ''} --trace-gc-nvp`.trim() } : process.env,
  },
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

/**
 * The server's log (run.mjs writes it to bench/results/<stamp>-parlor-messaging.log),
 * found as the newest such file once the server started; `--gc` reads its
 * `--trace-gc-nvp` lines written during each window.
 */
const RESULTS_DIR = fileURLToPath(new URL('results/', import.meta.url));
function serverLog() {
  const logs = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('-parlor-messaging.log'));
  const newest = logs.map((f) => join(RESULTS_DIR, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`--gc: no *-parlor-messaging.log in ${RESULTS_DIR}`);
  return newest;
}
const logSize = (file) => statSync(file).size;

/**
 * The main thread's collections among `--trace-gc-nvp` lines: per isolate,
 * `gc=s` (scavenge) and `gc=mc` (mark-compact) with their pause and bytes;
 * the main thread is the isolate that allocated the most (the write worker's
 * is the other). The heap's growth from one scavenge to the next (its size
 * after each; the young generation is all but empty then) is what the old
 * generation gained: what was promoted, plus what was allocated there
 * directly (a long-lived Map or Set rebuilding its table, a pretenured
 * literal; issue 19, tenth pass). It is what brings the next mark-compact.
 */
function gcCosts(text, messages) {
  const isolates = new Map();
  for (const line of text.split('\n')) {
    const at = line.match(/^\[\d+:(0x[0-9a-f]+)\]/);
    if (!at || !line.includes(' gc=')) continue;
    const field = (name) => Number(line.match(new RegExp(` ${name}=([\\d.]+)`))?.[1] ?? 0);
    const i = isolates.get(at[1]) ?? { allocated: 0, scavenges: 0, pauseMs: 0, promoted: 0, oldGrowth: 0, lastAfter: null, markCompacts: 0, markCompactMs: 0 };
    i.allocated += field('allocated');
    if (/ gc=s /.test(line)) {
      i.scavenges++;
      i.pauseMs += field('pause');
      i.promoted += field('promoted');
      const after = field('total_size_after');
      if (i.lastAfter !== null) i.oldGrowth += after - i.lastAfter;
      i.lastAfter = after;
    } else if (/ gc=mc /.test(line)) {
      i.markCompacts++;
      i.markCompactMs += field('pause');
      i.lastAfter = null; // the growth across a mark-compact is not the old generation's gain
    }
    isolates.set(at[1], i);
  }
  const main = [...isolates.values()].sort((a, b) => b.allocated - a.allocated)[0];
  if (!main) return null;
  return {
    scavenges: main.scavenges,
    scavenge_pause_ms: main.scavenges ? main.pauseMs / main.scavenges : 0,
    promoted_bytes_per_msg: main.promoted / messages,
    old_growth_bytes_per_msg: main.oldGrowth / messages,
    allocated_bytes_per_msg: main.allocated / messages,
    mark_compacts: main.markCompacts,
    mark_compact_pause_ms: main.markCompactMs,
  };
}

try {
  await until(/Parlor: pid (\d+)/);
  const gcLog = gc ? serverLog() : null;
  const pid = Number(log.match(/Parlor: pid (\d+)/)[1]);
  const windows = {};
  for (const [name, start, end] of [
    ['peak', /private: run 1\/1/, /msgs\/s, p50/],
    ['half', /(half load|of peak) \(.*\): run 1\/1/, /achieved/],
  ]) {
    await until(start);
    await sleep(SETTLE_MS);
    const before = snapshot(pid);
    const logFrom = gcLog ? logSize(gcLog) : 0;
    const t0 = performance.now();
    await until(end);
    windows[name] = { before, after: snapshot(pid), ms: performance.now() - t0, logFrom, logTo: gcLog ? logSize(gcLog) : 0 };
  }
  await exited;
  const result = JSON.parse(readFileSync(out, 'utf8'));
  const runs = { peak: result.private.runs.parlor[0], half: result.halfload.runs.parlor[0] };
  const f = (x, d = 1) => x.toFixed(d);
  for (const name of ['peak', 'half']) {
    const run = runs[name];
    const w = windows[name];
    const messages = (run.msgs_per_s * w.ms) / 1000;
    const c = costs(w.before, w.after, messages);
    const g = gcLog ? gcCosts(readFileSync(gcLog).subarray(w.logFrom, w.logTo).toString(), messages) : null;
    console.log(
      `${label} ${name === 'half' ? loadName(result.halfload.fraction) : name}: ${f(run.msgs_per_s, 0)} msgs/s, core ${f((c.cpu_us.total * run.msgs_per_s) / 1e4, 0)}%, p50 ${f(run.latency_ms.p50, 2)} p99 ${f(run.latency_ms.p99, 2)} ms, others ${f(run.others_cpu_pct, 0)}% | ` +
        `CPU µs/msg main ${f(c.cpu_us.main)} worker ${f(c.cpu_us.worker)} other ${f(c.cpu_us.other)} total ${f(c.cpu_us.total)} | ` +
        `per msg: main writes ${f(c.per_message.main_writes, 2)} switches ${f(c.per_message.main_switches, 2)}, worker writes ${f(c.per_message.worker_writes, 2)} switches ${f(c.per_message.worker_switches, 2)}` +
        (g
          ? ` | main GC: ${g.scavenges} scavenges of ${f(g.scavenge_pause_ms, 2)} ms, promoted ${f(g.promoted_bytes_per_msg, 0)} of ${f(g.allocated_bytes_per_msg, 0)} bytes allocated per msg, old generation +${f(g.old_growth_bytes_per_msg, 0)} bytes per msg, ${g.mark_compacts} mark-compacts (${f(g.mark_compact_pause_ms)} ms)`
          : ''),
    );
  }
} finally {
  if (bench.exitCode === null) bench.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
