// Latency of GET /healthz, one request at a time, from the orchestrator's
// process (not the load process, whose event loop is busy with the load).

import { summarize } from './stats.mjs';

/** Sequential GET `${url}/healthz` for `durationMs`, pausing `gapMs` between requests: {count, p50, p99, max, failed}. */
export async function probeHealthz(url, durationMs, gapMs = 10) {
  const samples = [];
  let failed = 0;
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) samples.push(performance.now() - t0);
      else failed++;
    } catch {
      failed++;
    }
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return { ...summarize(samples), failed };
}
