import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

// The bench harness is plain .mjs without types (and needs dist/ built: it makes client ids with the SDK's helper).
type RunReads = (
  users: { cookie: string }[],
  opts: { url: string; groupId: number; warmupMs: number; durationMs: number; serverPid: number },
) => Promise<{ failures: number; statuses: Record<string, number> }>;
const { runReads } = (await import(new URL('../../bench/scenarios/reads.mjs', import.meta.url).href)) as { runReads: RunReads };

// One reader for 400 ms with a 50 ms back-off makes at most ~8 requests; a loop without a pause makes hundreds.
const WARMUP_MS = 300;
const DURATION_MS = 100;
const MOST_REQUESTS_WITH_A_PAUSE = 20;

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const reader = [{ cookie: 'parlor.sid=x' }];
const opts = (url: string) => ({ url, groupId: 1, warmupMs: WARMUP_MS, durationMs: DURATION_MS, serverPid: process.pid });

describe('bench expensive-reads readers', () => {
  it('wait after a 429 during the warm-up too, instead of spinning on refusals', async () => {
    let requests = 0;
    const url = await listen(
      createServer((_req, res) => {
        requests++;
        res.writeHead(429).end();
      }),
    );
    await runReads(reader, opts(url));
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThanOrEqual(MOST_REQUESTS_WITH_A_PAUSE);
  });

  it('wait after a failed connection instead of retrying at once', async () => {
    // a port that was just free: nothing listens, every connection is refused
    const closed = createServer();
    const url = await listen(closed);
    closed.close();
    await once(closed, 'close');
    const r = await runReads(reader, opts(url));
    expect(r.failures).toBeGreaterThan(0);
    expect(r.failures).toBeLessThanOrEqual(MOST_REQUESTS_WITH_A_PAUSE);
  });
});
