#!/usr/bin/env node
// `npm run bench`: Parlor against a bare `ws` relay and a Socket.IO server.
// Every server runs as its own process on 127.0.0.1, driven by separate load
// processes (bench/load.mjs). Prints one table of medians and ratios and writes
// everything measured to bench/results/<timestamp>.json. See docs/benchmarks.md.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanup, machineLimits, pinTo, sleep, stopAll } from './lib/children.mjs';
import { probeHealthz } from './lib/healthz-probe.mjs';
import { startLoad } from './lib/load-process.mjs';
import { parseOptions } from './lib/options.mjs';
import { checkTargets, formatReads, formatTable, formatTargets, loadName } from './lib/report.mjs';
import { seedGroupMessages } from './lib/seed-messages.mjs';
import { median } from './lib/stats.mjs';
import { parlorMissingReason, setParlorEntry, startTarget, TARGETS } from './lib/targets.mjs';
import { makeTempFolder, sweepStaleTempFolders } from './lib/temp-folders.mjs';

// `--scale-out`: PostgreSQL + Redis, one and two instances, a delay knob (bench/scale-out.mjs).
if (process.argv.slice(2).includes('--scale-out')) {
  await import('./scale-out.mjs');
  process.exit();
}
// `--host-interfaces`: private and fan-out throughput with a host UserDirectory and GroupMemberFetcher against the built-in ones, same run (bench/host-interfaces.mjs).
if (process.argv.slice(2).includes('--host-interfaces')) {
  await import('./host-interfaces.mjs');
  process.exit();
}
// `--policy`: private throughput with an allow-everything messagePolicy against none, same run (bench/policy.mjs).
if (process.argv.slice(2).includes('--policy')) {
  await import('./policy.mjs');
  process.exit();
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const T0 = performance.now();

function log(msg) {
  const s = ((performance.now() - T0) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${s}s] ${msg}`);
}

const opts = parseOptions();
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(RESULTS_DIR, { recursive: true });
installCleanup();
sweepStaleTempFolders(); // left by a `kill -9` of an earlier run

setParlorEntry(opts.parlorEntry);
if (opts.pinned) {
  // One core for each server under test, the other for the load: what a core buys, not what the machine does.
  if (pinTo({ server: '0', load: '1' })) log('pinned: servers on CPU 0, load processes on CPU 1 (taskset)');
  else {
    opts.pinned = false;
    log('--pinned asked for, but taskset is not available: running unpinned');
  }
}
const missing = {};
let targets = [...opts.only];
if (targets.includes('parlor')) {
  const reason = parlorMissingReason();
  if (reason) dropParlor(reason);
}
/** Parlor could not be measured: the run goes on with the references and the table says why. */
function dropParlor(reason) {
  missing.parlor = reason;
  targets = targets.filter((t) => t !== 'parlor');
  log(`Parlor column skipped: ${reason}`);
}
const wants = (scenario) => !opts.skip.includes(scenario);
/** Targets in a rotated order per run, so no server always runs first (or last) on a noisy machine. */
const rotated = (list, run) => list.map((_, i) => list[(i + run) % list.length]);

let nextSourceAddress = 0; // see freshSourceAddresses()
const FIRST_PORT = 10000;
const PORTS_PER_ADDRESS = 50000; // 10000-59999

const results = {
  meta: machineMeta(),
  options: opts,
  missing,
  setup_s: {},
  private: null,
  halfload: null,
  group: {},
  idle: {},
  reads: null,
};

try {
  if (wants('private') || wants('halfload') || wants('group')) await messagingPhase();
  if (wants('idle')) await idlePhase();
  if (wants('reads') && targets.includes('parlor')) await readsPhase();
} catch (err) {
  results.error = String(err?.stack ?? err);
  console.error(`\nbenchmark failed: ${results.error}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
report();

// ---------------------------------------------------------------------------

async function messagingPhase() {
  const servers = {};
  for (const t of [...targets]) {
    log(`starting ${TARGETS[t].label} server`);
    try {
      servers[t] = await startTarget(t, { logFile: join(RESULTS_DIR, `${stamp}-${t}-messaging.log`) });
    } catch (err) {
      if (t !== 'parlor') throw err;
      dropParlor(`the server did not start: ${err.message}`);
      continue;
    }
    log(`  ${TARGETS[t].label}: pid ${servers[t].pid}, ${servers[t].url}`);
  }
  const load = await startLoad('load-messaging');
  const users = {};
  const groupIds = {};
  const groupSizes = wants('group') ? opts.groups : [];
  const maxGroup = Math.max(0, ...groupSizes);
  for (const t of targets) {
    await load.call('init', { target: t, url: servers[t].url });
    const t1 = performance.now();
    users[t] = {
      priv: await load.call('prepareUsers', { target: t, count: 2 * opts.pairs }),
      grp: maxGroup ? await load.call('prepareUsers', { target: t, count: maxGroup }) : [],
    };
    await load.call('acceptPairs', { target: t, users: users[t].priv });
    groupIds[t] = {};
    for (const size of groupSizes) groupIds[t][size] = await load.call('createGroup', { target: t, users: users[t].grp.slice(0, size) });
    const setupS = (performance.now() - t1) / 1000;
    results.setup_s[t] = setupS;
    log(`  ${TARGETS[t].label}: ${2 * opts.pairs + maxGroup} users, groups of ${groupSizes.join('/') || '-'} set up in ${setupS.toFixed(1)} s`);
  }
  const msgOpts = { window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs, contentBytes: opts.contentBytes, timeline: opts.timeline };

  if (wants('private') || wants('halfload')) {
    for (const t of targets) await load.call('connect', { target: t, set: 'private', users: users[t].priv });
    results.private = { runs: Object.fromEntries(targets.map((t) => [t, []])) };
    for (let run = 0; run < opts.runs; run++) {
      for (const t of rotated(targets, run)) {
        log(`private: run ${run + 1}/${opts.runs}, ${TARGETS[t].label}`);
        const r = await load.call('runPrivate', { target: t, set: 'private', opts: { ...msgOpts, serverPid: servers[t].pid } });
        results.private.runs[t].push(r);
        log(`  ${fmtRate(r.msgs_per_s)} msgs/s, p50 ${r.latency_ms.p50?.toFixed(2)} ms, p99 ${r.latency_ms.p99?.toFixed(2)} ms ${cpuNote(r)}${r.errors ? `, ${r.errors} error frames` : ''}`);
      }
    }
    results.private.median = medians(results.private.runs, privateFields);

    if (wants('halfload')) {
      const peak = results.private.median.parlor?.msgs_per_s;
      if (!Number.isFinite(peak) || peak <= 0) {
        results.halfload = { skipped: 'no Parlor peak measured in this run (needs the Parlor column)' };
        log(`half load: skipped, ${results.halfload.skipped}`);
      } else {
        const rate = peak * opts.loadFraction;
        results.halfload = { offered_per_s: rate, fraction: opts.loadFraction, runs: Object.fromEntries(targets.map((t) => [t, []])) };
        for (let run = 0; run < opts.halfLoadRuns; run++) {
          for (const t of rotated(targets, run)) {
            log(`${loadName(opts.loadFraction)} (${fmtRate(rate)} msgs/s offered): run ${run + 1}/${opts.halfLoadRuns}, ${TARGETS[t].label}`);
            const r = await load.call('runPrivate', { target: t, set: 'private', opts: { ...msgOpts, rate, serverPid: servers[t].pid } });
            results.halfload.runs[t].push(r);
            log(`  achieved ${fmtRate(r.msgs_per_s)} msgs/s, p50 ${r.latency_ms.p50?.toFixed(2)} ms, p99 ${r.latency_ms.p99?.toFixed(2)} ms ${cpuNote(r)}${r.skipped ? `, ${r.skipped} sends skipped (window full)` : ''}`);
          }
        }
        results.halfload.median = medians(results.halfload.runs, privateFields);
      }
    }
    for (const t of targets) await load.call('closeSet', { target: t, set: 'private' });
  }

  for (const size of groupSizes) {
    const g = (results.group[size] = { runs: Object.fromEntries(targets.map((t) => [t, []])) });
    for (const t of targets) {
      const t1 = performance.now();
      await load.call('connect', { target: t, set: `group${size}`, users: users[t].grp.slice(0, size) });
      log(`group ${size}: ${size} ${TARGETS[t].label} members connected in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    for (let run = 0; run < opts.runs; run++) {
      for (const t of rotated(targets, run)) {
        log(`group ${size}: run ${run + 1}/${opts.runs}, ${TARGETS[t].label}`);
        const r = await load.call('runGroup', {
          target: t,
          set: `group${size}`,
          groupId: groupIds[t][size],
          opts: { ...msgOpts, senders: opts.groupSenders, serverPid: servers[t].pid },
        });
        g.runs[t].push(r);
        log(`  ${fmtRate(r.deliveries_per_s)} deliveries/s, last member p50 ${r.last_member_latency_ms.p50?.toFixed(2)} ms, p99 ${r.last_member_latency_ms.p99?.toFixed(2)} ms ${cpuNote(r)}${r.errors ? `, ${r.errors} error frames` : ''}`);
      }
    }
    g.median = medians(g.runs, groupFields);
    for (const t of targets) await load.call('closeSet', { target: t, set: `group${size}` });
  }

  await load.stop();
  for (const t of targets) await servers[t].stop();
}

/**
 * Idle connections. A fresh server per measurement; RSS and heap (after a
 * forced GC, through the preloaded probe) before and after opening the
 * connections; the difference divided by the connections still open after a
 * settle time. Every server sees the same users: `idleConnsPerUser`
 * connections per user (Parlor users are registered through the API).
 */
async function idlePhase() {
  const limits = machineLimits();
  results.meta.limits = limits;
  // every socket is one fd on each side; keep room for the process's own files
  const perProcess = Number.isFinite(limits.nofileHard) ? limits.nofileHard - 1024 : 1e9;
  const perAddress = limits.ephemeralPorts - 1024;
  for (const asked of opts.idle) {
    let count = asked;
    let note;
    if (count > perProcess) {
      count = Math.floor(perProcess / 1000) * 1000;
      note = `asked ${asked}: one server process can hold at most ~${perProcess} sockets here (RLIMIT_NOFILE hard limit ${limits.nofileHard}, which this user cannot raise), so ${count} were opened`;
      log(`idle: ${note}`);
    }
    // Below the ephemeral port range, the kernel picks client ports itself (fast;
    // TIME_WAIT ports are reused on loopback). Past it, clients bind explicit
    // (127.0.0.x, port) pairs: see sourcePlan().
    const addressCount = opts.idleSpread || (count > perAddress ? Math.ceil(count / PORTS_PER_ADDRESS) : 0);
    const loadCount = Math.ceil(count / perProcess);
    const entry = (results.idle[asked] = { connections: count, note, load_processes: loadCount, runs: Object.fromEntries(targets.map((t) => [t, []])) });
    for (let run = 0; run < opts.idleRuns; run++) {
      for (const t of rotated(targets, run)) {
        const addresses = freshSourceAddresses(addressCount);
        const from = addresses.length ? ` (clients bound to ${addresses.join(', ')}, ports ${FIRST_PORT}+)` : '';
        log(`idle ${count}: run ${run + 1}/${opts.idleRuns}, ${TARGETS[t].label}${from}`);
        let r;
        try {
          r = await idleOnce(t, count, addresses, loadCount);
        } catch (err) {
          if (t !== 'parlor' || !err.parlorStart) throw err;
          dropParlor(`the server did not start: ${err.message}`);
          continue;
        }
        r.source_addresses = addresses;
        entry.runs[t].push(r);
        log(`  ${r.open}/${count} open in ${r.open_s.toFixed(2)} s; RSS ${(r.rss_per_conn / 1024).toFixed(1)} KiB/conn, heap ${(r.heap_per_conn / 1024).toFixed(1)} KiB/conn${r.failed ? `; ${r.failed} failed (${r.first_error})` : ''}`);
      }
    }
    entry.median = medians(entry.runs, idleFields);
  }
}

/**
 * Loopback source addresses not used before in this run, for measurements
 * past one address's ephemeral port range (~28k). Each client binds an
 * explicit (address, port) pair, connection g taking address g mod n and port
 * FIRST_PORT + floor(g / n): binding to port 0 instead makes the kernel scan
 * for a free port at every bind, which took ~50 s per 10k sockets here. Fresh
 * addresses per measurement start with no TIME_WAIT leftovers from the last
 * one. Addresses 127.0.0.10-249.
 */
function freshSourceAddresses(n) {
  return Array.from({ length: n }, () => `127.0.0.${10 + (nextSourceAddress++ % 240)}`);
}

async function idleOnce(t, count, addresses, loadCount) {
  const perUser = opts.idleConnsPerUser;
  const server = await startTarget(t, {
    logFile: join(RESULTS_DIR, `${stamp}-${t}-idle.log`),
    parlorEnv: { MAX_CONNECTIONS_PER_USER: String(perUser) },
  }).catch((err) => {
    err.parlorStart = true;
    throw err;
  });
  const loads = [];
  try {
    for (let i = 0; i < loadCount; i++) loads.push(await startLoad(`load-idle-${i + 1}`));
    for (const l of loads) await l.call('init', { target: t, url: server.url });
    const users = await loads[0].call('prepareUsers', { target: t, count: Math.ceil(count / perUser) });
    const conns = Array.from({ length: count }, (_, i) => users[i % users.length]);
    const chunk = Math.ceil(count / loads.length);
    await sleep(500);
    const before = await server.memory();
    const t1 = performance.now();
    const opened = await Promise.all(
      loads.map((l, i) =>
        l.call('connect', {
          target: t,
          set: 'idle',
          users: conns.slice(i * chunk, (i + 1) * chunk),
          source: addresses.length ? { addresses, firstPort: FIRST_PORT, offset: i * chunk } : undefined,
          concurrency: opts.connectConcurrency,
          tolerateFailures: true,
        }),
      ),
    );
    const openS = (performance.now() - t1) / 1000;
    await sleep(1000);
    const open = (await Promise.all(loads.map((l) => l.call('countOpen', { target: t, set: 'idle' })))).reduce((a, b) => a + b, 0);
    const after = await server.memory();
    const failed = opened.reduce((a, o) => a + o.failed, 0);
    return {
      users: users.length,
      open,
      failed,
      first_error: opened.find((o) => o.firstError)?.firstError,
      open_s: openS,
      conns_per_s: (count - failed) / openS,
      rss_before: before.rss,
      rss_after: after.rss,
      heap_before: before.heapUsed,
      heap_after: after.heapUsed,
      rss_per_conn: open ? (after.rss - before.rss) / open : NaN,
      heap_per_conn: open ? (after.heapUsed - before.heapUsed) / open : NaN,
    };
  } finally {
    for (const l of loads) await l.stop();
    await server.stop();
  }
}

/**
 * /healthz while `--reads-clients` signed-in users hammer the expensive reads
 * (issue 15): every reader is a member of one group holding
 * `--reads-messages` messages it has never read. Parlor only. One server on
 * one SQLite file: users and the group through the API, the messages
 * written straight into the stopped server's file, then the server again.
 * Each run: /healthz alone (the baseline), then /healthz during the load,
 * both probed from this process.
 */
async function readsPhase() {
  const { path: dir, remove: removeDir } = makeTempFolder('reads');
  const parlorEnv = { SQLITE_PATH: join(dir, 'parlor.db'), SESSION_SECRET: randomBytes(24).toString('hex') };
  if (opts.readsRateLimit !== null) parlorEnv.HTTP_READ_RATE_LIMIT = String(opts.readsRateLimit);
  const logFile = join(RESULTS_DIR, `${stamp}-parlor-reads.log`);
  const load = await startLoad('load-reads');
  try {
    let server = await startTarget('parlor', { logFile, parlorEnv });
    await load.call('init', { target: 'parlor', url: server.url });
    const t1 = performance.now();
    const users = await load.call('prepareUsers', { target: 'parlor', count: opts.readsClients });
    const groupId = await load.call('createGroup', { target: 'parlor', users });
    await server.stop();
    const seeded = seedGroupMessages(parlorEnv.SQLITE_PATH, { groupId, senderId: users[0].id, count: opts.readsMessages });
    server = await startTarget('parlor', { logFile, parlorEnv });
    log(`reads: ${users.length} readers in a group of ${seeded.toLocaleString('en-US')} messages, set up in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    results.reads = { clients: users.length, messages: seeded, read_rate_limit: opts.readsRateLimit ?? 'server default', runs: [] };
    for (let run = 0; run < opts.runs; run++) {
      log(`reads: run ${run + 1}/${opts.runs}`);
      const idle = await probeHealthz(server.url, opts.durationMs);
      const hammering = load.call('runReads', { users, opts: { url: server.url, groupId, warmupMs: opts.warmupMs, durationMs: opts.durationMs, serverPid: server.pid } });
      await sleep(opts.warmupMs);
      const loaded = await probeHealthz(server.url, opts.durationMs);
      const reads = await hammering;
      results.reads.runs.push({ idle, loaded, reads });
      log(`  /healthz p50 ${idle.p50?.toFixed(2)} -> ${loaded.p50?.toFixed(2)} ms, p99 ${idle.p99?.toFixed(2)} -> ${loaded.p99?.toFixed(2)} ms, failed ${idle.failed}/${idle.count} -> ${loaded.failed}/${loaded.count}; reads ${fmtRate(reads.ok_per_s)}/s answered, ${fmtRate(reads.limited_per_s)}/s 429, read p50 ${reads.read_latency_ms.p50?.toFixed(1)} ms ${cpuNote(reads)}`);
    }
    const m = (f) => median(results.reads.runs.map(f));
    results.reads.median = {
      idle_p50: m((r) => r.idle.p50),
      idle_p99: m((r) => r.idle.p99),
      loaded_p50: m((r) => r.loaded.p50),
      loaded_p99: m((r) => r.loaded.p99),
      loaded_max: m((r) => r.loaded.max),
      // probes that failed (in the percentiles above at the time they took): a 503 or a timeout is not a fast answer
      idle_failed: m((r) => r.idle.failed),
      loaded_failed: m((r) => r.loaded.failed),
      reads_ok_per_s: m((r) => r.reads.ok_per_s),
      reads_limited_per_s: m((r) => r.reads.limited_per_s),
      read_p50: m((r) => r.reads.read_latency_ms.p50),
      read_p99: m((r) => r.reads.read_latency_ms.p99),
      server_cpu_pct: m((r) => r.reads.server_cpu_pct),
      load_cpu_pct: m((r) => r.reads.load_cpu_pct),
      others_cpu_pct: m((r) => r.reads.others_cpu_pct),
      // CPU time the server spent per answered read: the figure that noise on a shared machine moves least
      server_cpu_ms_per_read: m((r) => (r.reads.server_cpu_pct * 10) / r.reads.ok_per_s),
    };
    await server.stop();
  } finally {
    await load.stop();
    removeDir();
  }
}

// ---------------------------------------------------------------------------

function privateFields(r) {
  return { msgs_per_s: r.msgs_per_s, acks_per_s: r.acks_per_s, p50: r.latency_ms.p50, p99: r.latency_ms.p99, max: r.latency_ms.max, server_cpu_pct: r.server_cpu_pct, server_cpu_us_per_msg: r.server_cpu_us_per_msg, load_cpu_pct: r.load_cpu_pct, others_cpu_pct: r.others_cpu_pct, iowait_cpu_pct: r.iowait_cpu_pct, load_loop_delay_p99_ms: r.load_loop_delay_p99_ms, errors: r.errors };
}
function groupFields(r) {
  return { deliveries_per_s: r.deliveries_per_s, msgs_per_s: r.msgs_per_s, p50: r.last_member_latency_ms.p50, p99: r.last_member_latency_ms.p99, max: r.last_member_latency_ms.max, server_cpu_pct: r.server_cpu_pct, load_cpu_pct: r.load_cpu_pct, others_cpu_pct: r.others_cpu_pct, iowait_cpu_pct: r.iowait_cpu_pct, errors: r.errors };
}
function idleFields(r) {
  return { rss_per_conn: r.rss_per_conn, heap_per_conn: r.heap_per_conn, open_s: r.open_s, conns_per_s: r.conns_per_s, open: r.open, failed: r.failed };
}

/** Per target, the median of each field across that target's runs. */
function medians(runsByTarget, fields) {
  const out = {};
  for (const [t, runs] of Object.entries(runsByTarget)) {
    if (runs.length === 0) continue;
    const rows = runs.map(fields);
    out[t] = Object.fromEntries(Object.keys(rows[0]).map((k) => [k, median(rows.map((r) => r[k]))]));
  }
  return out;
}

/** "(CPU: server 95%, load 90%, others 3%)", with a warning when neighbours took a noticeable share. */
function cpuNote(r) {
  const pct = (x) => `${Math.round(x)}%`;
  const noisy = r.others_cpu_pct > 20 || r.steal_cpu_pct > 10 ? ' NOISY: other processes/steal took CPU during this run' : '';
  return `(CPU: server ${pct(r.server_cpu_pct)}, load ${pct(r.load_cpu_pct)}, others ${pct(r.others_cpu_pct)}, steal ${pct(r.steal_cpu_pct)}, iowait ${pct(r.iowait_cpu_pct)})${noisy}`;
}

function fmtRate(x) {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-';
}

function report() {
  results.targets = checkTargets(results);
  results.finished_at = new Date().toISOString();
  results.elapsed_s = (performance.now() - T0) / 1000;
  const file = opts.out ?? join(RESULTS_DIR, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.meta;
  console.log(`\nParlor benchmark, ${m.date} - ${m.cpus} x ${m.cpu_model}, ${m.memory_gib} GiB, Node ${m.node}, ws ${m.versions.ws}, socket.io ${m.versions['socket.io']}, Parlor ${m.parlor_commit ?? '?'}${opts.pinned ? ', pinned (servers on CPU 0, load on CPU 1)' : ', unpinned'}${opts.quick ? ' (--quick: smoke test, not a measurement)' : ''}`);
  console.log(`${opts.runs} run(s) per figure, ${opts.durationMs} ms measured after ${opts.warmupMs} ms warm-up; ratios are Parlor / reference (throughput: higher is better; latency, memory, time: lower is better)\n`);
  console.log(formatTable(results));
  if (results.reads?.median) console.log(`\n${formatReads(results.reads)}`);
  for (const [t, reason] of Object.entries(missing)) console.log(`\n${TARGETS[t].label} column missing: ${reason}`);
  for (const idle of Object.values(results.idle)) if (idle.note) console.log(`\nidle: ${idle.note}`);
  if (results.halfload?.skipped) console.log(`\nhalf load: ${results.halfload.skipped}`);
  console.log(`\nIssue 7 targets:\n${formatTargets(results.targets)}`);
  console.log(`\nresults: ${file} (${results.elapsed_s.toFixed(0)} s)`);
}

function machineMeta() {
  const version = (pkg) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  // the commit of the Parlor build measured: a COMMIT file beside its dist/ (the
  // snapshot recipe in docs/benchmarks.md writes one), else that folder's git HEAD
  const parlorRoot = join(TARGETS.parlor.script, '..', '..');
  let parlorCommit = null;
  try {
    parlorCommit = readFileSync(join(parlorRoot, 'COMMIT'), 'utf8').trim();
  } catch {
    try {
      parlorCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: parlorRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // not a git checkout
    }
  }
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
    parlor_entry: TARGETS.parlor.script,
    parlor_commit: parlorCommit,
    versions: {
      parlor: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
      ws: version('ws'),
      'socket.io': version('socket.io'),
      'socket.io-client': version('socket.io-client'),
      'better-sqlite3': version('better-sqlite3'),
    },
  };
}
