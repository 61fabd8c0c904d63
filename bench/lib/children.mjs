// Child processes of the benchmark: every server under test and every load
// generator is its own process. All of them are tracked here so that a normal
// end, an error or Ctrl-C kills every one of them.

import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./server-probe.mjs', import.meta.url));
const live = new Set();

/**
 * Pinned mode (`--pinned`): every server under test on one core, every load
 * process on another (`taskset -c`), so a server's throughput is what one
 * core buys. Null: unpinned, the scheduler decides (the default).
 */
let pinning = null;

/** Pins servers and load processes to these CPU lists from now on; false when taskset is missing. */
export function pinTo({ server, load }) {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return false;
  }
  pinning = { server, load };
  return true;
}

/** Wanted open-files limit for children; raised as far as the hard limit allows. */
export const WANTED_NOFILE = 200000;

/**
 * Spawns `node <nodeArgs> <script> <args>` through `bash -c 'ulimit -n ...; exec node ...'`
 * so the child gets the highest fd limit the machine allows. `exec` keeps the pid,
 * so `child.pid` is the node process itself (what /proc/<pid>/status describes).
 *
 * options.probe: preload bench/lib/server-probe.mjs and give the child an IPC
 *   channel (the probe answers memory questions and exits when the parent goes).
 * options.ipc: an IPC channel (load processes).
 * options.log: a file path that receives the child's stdout and stderr.
 * options.role: 'server' or 'load', for pinned mode (see pinTo).
 */
export function spawnNode(name, script, args = [], options = {}) {
  const nodeArgs = [...(options.nodeArgs ?? [])];
  if (options.probe) nodeArgs.push('--expose-gc', '--import', PROBE);
  const argv = [...nodeArgs, script, ...args].map(shellQuote).join(' ');
  const cpus = pinning && options.role ? pinning[options.role] : undefined;
  const pin = cpus === undefined ? '' : `taskset -c ${shellQuote(cpus)} `;
  const cmd = `ulimit -n ${WANTED_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${pin}${shellQuote(process.execPath)} ${argv}`;
  const ipc = options.ipc || options.probe;
  const child = spawn('bash', ['-c', cmd], {
    cwd: options.cwd,
    env: { ...process.env, ...(options.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  child.benchName = name;
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (options.log) {
    const out = createWriteStream(options.log, { flags: 'a' });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('exit', () => setTimeout(() => out.end(), 50));
  } else if (options.inheritStderr) {
    child.stderr.pipe(process.stderr, { end: false });
    child.stdout.resume();
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  return child;
}

function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** Resolves with the first JSON line on the child's stdout that satisfies `predicate`. */
export function waitForJsonLine(child, predicate, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let obj;
        try {
          obj = JSON.parse(line);
        } catch {
          continue;
        }
        if (predicate(obj)) {
          done();
          resolve(obj);
          return;
        }
      }
    };
    const onExit = (code) => {
      done();
      reject(new Error(`${child.benchName} exited with ${code} before it was ready`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${child.benchName} not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Polls `url` until it answers 200 (the Parlor server's GET /healthz). */
export async function waitForHttpOk(url, child, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.benchName} exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** Asks the kernel for a free loopback port (for servers that only take PORT). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Stops one child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills every child still alive, synchronously (usable from an 'exit' handler). */
export function killAllNow() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export async function stopAll() {
  await Promise.all([...live].map((c) => stopChild(c)));
}

const exitHooks = new Set();
/** A synchronous clean-up (e.g. removing a temp folder) run at exit, also after Ctrl-C or an error. */
export function atExit(fn) {
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

function runExitHooks() {
  for (const fn of exitHooks) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  exitHooks.clear();
}

/** How long Ctrl-C/SIGTERM waits for the async clean-ups before it exits anyway. */
export const INTERRUPT_CLEANUP_MS = 5000;
const interruptCleanups = new Set();
/**
 * An async clean-up that must also happen on Ctrl-C/SIGTERM/SIGHUP (e.g.
 * dropping a schema on a shared database): the signal kills the children,
 * then waits for these (at most INTERRUPT_CLEANUP_MS) before it exits.
 * Returns the clean-up to call on a normal end: it runs at most once and
 * never rejects.
 */
export function onInterrupt(fn) {
  let done;
  const run = () => {
    interruptCleanups.delete(run);
    done ??= Promise.resolve()
      .then(fn)
      .catch(() => {});
    return done;
  };
  interruptCleanups.add(run);
  return run;
}

let handlersInstalled = false;
/**
 * On Ctrl-C, SIGTERM, an uncaught error or any exit: no child survives the
 * parent. On a signal the onInterrupt clean-ups run first; a second Ctrl-C
 * exits at once.
 */
export function installCleanup() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', () => {
    killAllNow();
    runExitHooks();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, async () => {
      process.stderr.write(`\n${sig}: stopping every child process\n`);
      killAllNow();
      if (interruptCleanups.size > 0) {
        let timer;
        const deadline = new Promise((r) => (timer = setTimeout(r, INTERRUPT_CLEANUP_MS)));
        await Promise.race([Promise.all([...interruptCleanups].map((run) => run())), deadline]);
        clearTimeout(timer);
      }
      process.exit(130); // the 'exit' handler runs the exit hooks
    });
  }
}

const TICKS = 100; // CLK_TCK on Linux

/** VmRSS of a process in bytes, from /proc/<pid>/status. */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** User+system CPU seconds a process has used, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** Hard RLIMIT_NOFILE of processes spawned from here, and the per-address ephemeral port count. */
export function machineLimits() {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const hard = !m || m[2] === 'unlimited' ? Infinity : Number(m[2]);
  let ports = 28232;
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    ports = hi - lo + 1;
  } catch {
    // keep the Linux default
  }
  return { nofileHard: Math.min(hard, WANTED_NOFILE), ephemeralPorts: ports };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
