/**
 * PostgreSQL's statement queues (message inserts, delivered marks, consent
 * relations) refuse inputs past `maxPending` while the database is behind:
 * memory stays bounded and the client is told `rate_limited`, as SQLite's
 * write worker does.
 */
import { describe, expect, it } from 'vitest';
import { StatementQueue } from '../../src/store/postgres/statement-queue.js';

describe('StatementQueue backpressure', () => {
  it('refuses with rate_limited past maxPending while a batch is stuck, and takes inputs again once it is through', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const queue = new StatementQueue<number, number>(
      async (inputs) => {
        await stuck;
        return inputs.map((value) => ({ ok: true as const, value }));
      },
      { maxBatch: 2, maxPending: 3 },
    );
    const first = [queue.enqueue(1), queue.enqueue(2)];
    await new Promise((r) => setImmediate(r)); // the first batch leaves, and waits for the database
    const waiting = [queue.enqueue(3), queue.enqueue(4), queue.enqueue(5)];
    await expect(queue.enqueue(6)).rejects.toMatchObject({ code: 'rate_limited' });
    release();
    expect(await Promise.all([...first, ...waiting])).toEqual([1, 2, 3, 4, 5]);
    await expect(queue.enqueue(7)).resolves.toBe(7);
    await queue.close();
  });
});
