/**
 * The two group-commit helpers every queue shares (src/store/batch-buffer.ts,
 * src/store/isolated-retry.ts), on their own: the queues' own tests
 * (sqlite-write-queue, sqlite-worker-writer, postgres-*) cover them in place.
 */
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/store/batch.js';
import { BatchBuffer } from '../../src/store/batch-buffer.js';
import { withIsolatedRetry } from '../../src/store/isolated-retry.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchBuffer', () => {
  it('tells its owner once, on the next turn, about everything added in this one; take() cuts batches of maxBatch', async () => {
    const batches: number[][] = [];
    let calls = 0;
    const buffer: BatchBuffer<number> = new BatchBuffer(() => {
      calls += 1;
      while (buffer.size > 0) batches.push(buffer.take());
    }, 3);
    for (let i = 0; i < 7; i++) buffer.add(i);
    buffer.addAll([7, 8]);
    expect(calls).toBe(0);
    await turn();
    expect(calls).toBe(1);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    buffer.add(9);
    await turn();
    expect(calls).toBe(2);
  });

  it('cancel(): the owner took the items itself, and is not called for them', async () => {
    let calls = 0;
    const buffer = new BatchBuffer<number>(() => (calls += 1));
    buffer.add(1);
    buffer.cancel();
    expect(buffer.takeAll()).toEqual([1]);
    await turn();
    expect(calls).toBe(0);
  });
});

describe('withIsolatedRetry', () => {
  const failedItem = new Error('item 2');
  const itemFailure = (err: unknown) => (err === failedItem ? { error: err } : null);
  const isolatedAnswer: Outcome<string>[] = [{ ok: true, value: 'a' }, { ok: false, error: failedItem }];
  /** An attempt that throws one item's failure unless isolated, recording each call. */
  const failingOnceThenIsolated = (attempts: boolean[]) => (isolated: boolean) => {
    attempts.push(isolated);
    if (!isolated) throw failedItem;
    return isolatedAnswer;
  };

  it('answers the first attempt when it succeeds, without isolating', () => {
    const attempts: boolean[] = [];
    const out = withIsolatedRetry(2, (isolated) => (attempts.push(isolated), [{ ok: true, value: 'a' }, { ok: true, value: 'b' }]), itemFailure);
    expect(attempts).toEqual([false]);
    expect(out).toHaveLength(2);
  });

  it('one item failed: runs the batch again isolated (synchronously for a synchronous attempt)', () => {
    const attempts: boolean[] = [];
    const out = withIsolatedRetry<string>(2, failingOnceThenIsolated(attempts), itemFailure);
    expect(attempts).toEqual([false, true]);
    expect(out).toBe(isolatedAnswer);
  });

  it('alone in its batch, the failed item is its own answer: no second attempt', async () => {
    const attempts: boolean[] = [];
    const out = await withIsolatedRetry<string>(
      1,
      async (isolated) => {
        attempts.push(isolated);
        throw failedItem;
      },
      itemFailure,
    );
    expect(attempts).toEqual([false]);
    expect(out).toEqual([{ ok: false, error: failedItem }]);
  });

  it('a failure of the whole batch is thrown, for a synchronous and an asynchronous attempt alike', async () => {
    const whole = new Error('disk full');
    expect(() => withIsolatedRetry(2, () => { throw whole; }, itemFailure)).toThrow(whole);
    await expect(withIsolatedRetry(2, async () => { throw whole; }, itemFailure)).rejects.toBe(whole);
  });

  it('an asynchronous attempt that failed on one item is retried isolated', async () => {
    const attempts: boolean[] = [];
    const attempt = failingOnceThenIsolated(attempts);
    const out = await withIsolatedRetry<string>(2, async (isolated) => attempt(isolated), itemFailure);
    expect(attempts).toEqual([false, true]);
    expect(out).toBe(isolatedAnswer);
  });
});
