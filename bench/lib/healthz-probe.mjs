// Latency of GET /healthz, one request at a time, from the orchestrator's
// process (not the load process, whose event loop is busy with the load).

import { summarize } from './stats.mjs';

/**
 * Sequential GET `${url}/healthz` for `durationMs`, pausing `gapMs` between
 * requests: {count, p50, p99, max, failed}. A failed probe (not 200, no
 * connection, or no answer within `timeoutMs`) is a sample too, at the time
 * it took: a health check that fails under load is what a load balancer waits
 * on, so dropping it would make the percentiles look better than the server.
 */
export async function probeHealthz(url, durationMs, gapMs = 10, timeoutMs = 2000) {
  const samples = [];
  let failed = 0;
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    if (!(await healthzAnswers(url, timeoutMs))) failed++;
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return { ...summarize(samples), failed };
}

/** One GET /healthz: true on 200; false on another status, a connection error or no full answer within `timeoutMs`. */
async function healthzAnswers(url, timeoutMs) {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
