import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, type TestServer, type TestUser } from '../support/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap after a full collection, and the handles (sockets, timers) keeping the loop alive. */
async function measure(): Promise<{ heapMiB: number; handles: number }> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    gc();
  }
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  return { heapMiB: process.memoryUsage().heapUsed / 2 ** 20, handles };
}

/**
 * Issue 5, item 8: thousands of connect/send/disconnect cycles leave the heap
 * and the open handles where they started. The server runs in this process,
 * so its heap is this heap.
 */
describe('no leak over connect/send/disconnect cycles', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ WS_RATE_LIMIT: '100000', WS_RATE_BURST: '100000', WS_CONNECT_RATE: '100000', WS_CONNECT_BURST: '100000' });
    alice = await registerUser(server);
    bob = await registerUser(server);
  });
  afterAll(closeAll);

  const cycle = async (i: number) => {
    const client = await connectClient(server, alice.cookie);
    client.send({ type: 'private', to: bob.id, content: `cycle ${i}`, client_id: `leak-${i}` });
    await client.next('ack');
    client.ws.close(1000);
    await client.closed;
  };

  const cycles = async (count: number, from: number) => {
    for (let i = from; i < from + count; i += 25) await Promise.all(Array.from({ length: 25 }, (_, k) => cycle(i + k)));
  };

  it('keeps the heap flat and open handles at the baseline once warm, over 2000 more cycles', { timeout: 120_000 }, async () => {
    // Warm up: first-use allocations (prepared statements, JIT, pools, caches filling) are not leaks.
    // They fade over the first ~2000 cycles, so the heap is measured only after those.
    await cycles(2000, -10_000);
    const warm = await measure();
    const measured = 2000;
    await cycles(measured, 0);
    await expect.poll(() => server.parlor.manager.connectionCount, { timeout: 5000 }).toBe(0);
    const after = await measure();
    const bytesPerCycle = ((after.heapMiB - warm.heapMiB) * 2 ** 20) / measured;
    console.log(
      `leak check: ${measured} cycles after warm-up; heap ${warm.heapMiB.toFixed(2)} -> ${after.heapMiB.toFixed(2)} MiB ` +
        `(${bytesPerCycle.toFixed(0)} B/cycle), handles ${warm.handles} -> ${after.handles}`,
    );
    // A warm server holds about 100 B a cycle (GC noise); keeping even 1 KiB per connection shows as over 1000.
    expect(bytesPerCycle).toBeLessThan(512);
    expect(after.handles).toBeLessThanOrEqual(warm.handles + 2);
    expect(server.parlor.manager.onlineUsers()).toEqual([]);
  });
});
