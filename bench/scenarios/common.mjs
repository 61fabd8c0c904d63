import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { uuidV7 } from './client-id.mjs';

/**
 * A client_id shaped as Parlor's SDK makes one (a UUIDv7: the time first, then
 * random bits; bench/scenarios/client-id.mjs), so the server's idempotency
 * index sees the ids it will see in production. Never repeated: Parlor
 * treats a repeated client_id from the same sender as a resend (it acks the
 * stored message and routes nothing).
 */
export function nextClientId() {
  return uuidV7();
}

/** "<client_id> <send time ms> xxxx..." padded to `bytes` characters (Parlor trims; no trailing blanks). */
export function makeContent(clientId, t, bytes) {
  const head = `${clientId} ${t.toFixed(3)} `;
  return bytes > head.length ? head + 'x'.repeat(bytes - head.length) : head + 'x';
}

export function parseContent(content) {
  const a = content.indexOf(' ');
  const b = content.indexOf(' ', a + 1);
  return { clientId: content.slice(0, a), t: Number(content.slice(a + 1, b)) };
}

/** CPU seconds of a process, or the sum over several (the instances of a cluster). */
function cpuSeconds(pid) {
  if (Array.isArray(pid)) return pid.reduce((sum, p) => sum + cpuSeconds(p), 0);
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds all cores of the machine spent busy (not idle, not waiting on I/O), from /proc/stat. */
function machineBusySeconds() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: (user + nice + system + irq + softirq) / 100, steal: steal / 100, iowait: iowait / 100 };
  } catch {
    return { busy: NaN, steal: NaN, iowait: NaN };
  }
}

/**
 * CPU used between begin() and end(), in % of one core: by the server under
 * test (from /proc), by this load process, and by everything else on the
 * machine (other processes; on a shared machine, the noise behind a figure),
 * plus the time the hypervisor stole and the idle time spent waiting on I/O. Tells whether a figure was bounded by
 * the server, by the load generator sharing its cores, or by a neighbour.
 */
export function cpuWindow(serverPid) {
  // The load process's own event-loop delay over the window: latency is
  // measured on this process's clock, so its stalls are in every figure.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let s0 = NaN;
  let s1 = NaN;
  let l0;
  let l1;
  let m0;
  let m1;
  return {
    begin() {
      s0 = serverPid ? cpuSeconds(serverPid) : NaN;
      l0 = process.cpuUsage();
      m0 = machineBusySeconds();
      loopDelay.reset();
      loopDelay.enable();
    },
    end() {
      s1 = serverPid ? cpuSeconds(serverPid) : NaN;
      l1 = process.cpuUsage(l0);
      m1 = machineBusySeconds();
      loopDelay.disable();
    },
    result(seconds) {
      const server = ((s1 - s0) / seconds) * 100;
      const load = l1 ? ((l1.user + l1.system) / 1e6 / seconds) * 100 : NaN;
      const machine = m1 ? ((m1.busy - m0.busy) / seconds) * 100 : NaN;
      return {
        server_cpu_pct: server,
        load_cpu_pct: load,
        others_cpu_pct: Math.max(0, machine - server - load),
        steal_cpu_pct: m1 ? ((m1.steal - m0.steal) / seconds) * 100 : NaN,
        // idle time with I/O outstanding, machine-wide: a server waiting on fsync shows here
        iowait_cpu_pct: m1 ? ((m1.iowait - m0.iowait) / seconds) * 100 : NaN,
        load_loop_delay_p99_ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : NaN,
      };
    },
  };
}

/**
 * The timing every scenario shares: `warmupMs`, then `durationMs` measured
 * (inWindow), the server's CPU over exactly that window, and a bounded drain
 * of what is still in flight when sending stops. Call `drained()` when the
 * last in-flight message completes after `stopped` turned true.
 */
export function measurementWindow({ warmupMs, durationMs, drainMs, serverPid }) {
  const start = performance.now();
  const measureStart = start + warmupMs;
  const measureEnd = measureStart + durationMs;
  const cpu = cpuWindow(serverPid);
  const marks = [setTimeout(() => cpu.begin(), warmupMs), setTimeout(() => cpu.end(), warmupMs + durationMs)];
  let onDrained = null;
  return {
    start,
    seconds: durationMs / 1000,
    inWindow: (t) => t >= measureStart && t < measureEnd,
    drained: () => onDrained?.(),
    /** Resolves when the measured window is over. */
    elapsed: () => new Promise((r) => setTimeout(r, warmupMs + durationMs)),
    /** Waits for `pending()` to reach 0 (signalled by drained()) or drainMs; then the CPU figures. */
    async finish(pending) {
      if (pending() > 0) {
        await new Promise((resolve) => {
          onDrained = resolve;
          setTimeout(resolve, drainMs);
        });
      }
      marks.forEach(clearTimeout);
      return cpu.result(durationMs / 1000);
    },
  };
}
