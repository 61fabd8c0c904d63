import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

// The bench harness is plain .mjs without types; these are the shapes the test relies on.
type ProbeResult = { count: number; p50: number; p99: number; max: number; failed: number };
type ProbeHealthz = (url: string, durationMs: number, gapMs?: number, timeoutMs?: number) => Promise<ProbeResult>;
type FormatReads = (reads: object) => string;

const benchModule = (path: string) => import(new URL(`../../bench/lib/${path}`, import.meta.url).href);
const { probeHealthz } = (await benchModule('healthz-probe.mjs')) as { probeHealthz: ProbeHealthz };
const { formatReads } = (await benchModule('report.mjs')) as { formatReads: FormatReads };

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const after = (ms: number, fn: () => void) => setTimeout(fn, ms);

describe('bench /healthz probe', () => {
  it('counts a slow 503 as a failed sample at the time it took, not as no sample', async () => {
    const url = await serve((_req, res) => after(40, () => res.writeHead(503).end('{"status":"unavailable"}')));
    const r = await probeHealthz(url, 300, 1);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.count).toBe(r.failed);
    expect(r.p50).toBeGreaterThanOrEqual(35);
  });

  it('keeps failed probes in the percentiles: every other probe a slow 503 raises p99, not only `failed`', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      if (n++ % 2 === 0) res.end('{"status":"ok"}');
      else after(80, () => res.writeHead(503).end());
    });
    const r = await probeHealthz(url, 400, 1);
    expect(r.failed).toBeGreaterThan(0);
    expect(r.count).toBeGreaterThan(r.failed);
    expect(r.p99).toBeGreaterThanOrEqual(75);
  });

  it('gives up on a probe that never answers after the timeout and counts it at that time', { timeout: 3000 }, async () => {
    const url = await serve(() => {}); // accepts, never answers
    const r = await probeHealthz(url, 100, 1, 150);
    expect(r.failed).toBe(r.count);
    expect(r.count).toBeGreaterThanOrEqual(1);
    expect(r.p50).toBeGreaterThanOrEqual(140);
    expect(r.max).toBeLessThan(1000);
  });
});

describe('bench expensive-reads report', () => {
  it('prints the failed /healthz probes next to the percentiles', () => {
    const median = { idle_p50: 1, idle_p99: 2, loaded_p50: 30, loaded_p99: 900, loaded_max: 2000, idle_failed: 0, loaded_failed: 17 };
    const text = formatReads({ clients: 2, messages: 10, read_rate_limit: 'server default', runs: [{}], median });
    expect(text).toMatch(/^\| failed +\| +0 \| +17 \| +\|$/m);
  });
});
