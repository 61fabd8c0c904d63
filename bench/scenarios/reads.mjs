// The expensive-reads scenario, load side (Parlor only): every client is a
// signed-in user with one request in flight, looping over the reads a busy
// client makes: GET /api/conversations (one of them a group with many
// messages), a page of that group's history at a random offset (at most 1000,
// the deepest Parlor allows) and GET /api/notifications. Counts answers by
// status and times the successful ones; bench/run.mjs probes /healthz meanwhile.

import { Reservoir } from '../lib/stats.mjs';
import { cpuWindow } from './common.mjs';

/**
 * A refused read (429) or a failed connection comes back at once; a real client
 * would wait (Retry-After, a reconnect delay). Wait a little, inside the window
 * or not, so the loop offers load rather than spinning on refusals and errors.
 */
const backOff = () => new Promise((r) => setTimeout(r, 50));

const PATHS = [
  () => '/api/conversations',
  (groupId) => `/api/messages/group?group=${groupId}&limit=100&offset=${Math.floor(Math.random() * 1001)}`,
  () => '/api/notifications',
];

/**
 * @param users [{cookie}], one looping client each
 * @param opts {url, groupId, warmupMs, durationMs, serverPid}
 */
export async function runReads(users, { url, groupId, warmupMs, durationMs, serverPid }) {
  const cpu = cpuWindow(serverPid);
  const marks = [setTimeout(() => cpu.begin(), warmupMs), setTimeout(() => cpu.end(), warmupMs + durationMs)];
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const latency = new Reservoir();
  const statuses = {};
  let failures = 0;
  const client = async (user, i) => {
    let n = i;
    while (performance.now() < end) {
      const path = PATHS[n++ % PATHS.length](groupId);
      const t0 = performance.now();
      let status;
      try {
        const res = await fetch(`${url}${path}`, { headers: { cookie: user.cookie } });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        failures++;
        await backOff();
        continue;
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) latency.add(t1 - t0);
      }
      if (status === 429) await backOff();
    }
  };
  await Promise.all(users.map(client));
  marks.forEach(clearTimeout);
  const seconds = durationMs / 1000;
  const ok = statuses[200] ?? 0;
  return {
    clients: users.length,
    ok_per_s: ok / seconds,
    limited_per_s: (statuses[429] ?? 0) / seconds,
    statuses,
    failures,
    read_latency_ms: latency.summary(),
    ...cpu.result(seconds),
  };
}
