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

  it('keeps heap growth and open handles near the baseline after 3000 cycles', { timeout: 120_000 }, async () => {
    // Warm up: first-use allocations (prepared statements, JIT, pools) are not leaks.
    for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => cycle(-1 - i - k)));
    const baseline = await measure();
    const cycles = 3000;
    for (let i = 0; i < cycles; i += 25) await Promise.all(Array.from({ length: 25 }, (_, k) => cycle(i + k)));
    await expect.poll(() => server.parlor.manager.connectionCount, { timeout: 5000 }).toBe(0);
    const after = await measure();
    const growth = after.heapMiB - baseline.heapMiB;
    console.log(
      `leak check: ${cycles} cycles; heap ${baseline.heapMiB.toFixed(1)} -> ${after.heapMiB.toFixed(1)} MiB ` +
        `(${growth >= 0 ? '+' : ''}${growth.toFixed(1)}), handles ${baseline.handles} -> ${after.handles}`,
    );
    // 3000 cycles at even 1 KiB each would be +3 MiB; the bound leaves room for GC noise only.
    expect(growth).toBeLessThan(4);
    expect(after.handles).toBeLessThanOrEqual(baseline.handles + 2);
    expect(server.parlor.manager.onlineUsers()).toEqual([]);
  });
});
