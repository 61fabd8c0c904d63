/** The two parts Presence keeps its order with: PerUserOrder and ContactWatch. */
import { describe, expect, it } from 'vitest';
import { ContactWatch } from '../../src/websocket/contact-watch.js';
import { PerUserOrder } from '../../src/websocket/per-user-order.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('PerUserOrder', () => {
  it('runs work for a pair after the earlier work of either user, and work for other users at once', async () => {
    const order = new PerUserOrder();
    const log: string[] = [];
    let finishFirst!: () => void;
    const first = order.run([1], () => new Promise<void>((r) => (finishFirst = r)).then(() => void log.push('1 done')));
    const pair = order.run([2, 1], async () => void log.push('pair'));
    const other = order.run([3], async () => void log.push('3'));
    await tick();
    expect(log).toEqual(['3']);
    finishFirst();
    await Promise.all([first, pair, other]);
    expect(log).toEqual(['3', '1 done', 'pair']);
  });

  it('goes on after work that failed, hands its error back, and forgets users with nothing left', async () => {
    const order = new PerUserOrder();
    const failed = order.run([1, 2], async () => {
      throw new Error('store down');
    });
    const next = order.run([2], async () => 'ran');
    await expect(failed).rejects.toThrow('store down');
    expect(await next).toBe('ran');
    await tick();
    expect(order.size).toBe(0);
  });
});

describe('ContactWatch', () => {
  it('uses a read no change overtook at once, and forgets the user', async () => {
    const watch = new ContactWatch();
    const used: number[][] = [];
    await watch.readThenUse([1], async () => [2], (v) => used.push(v));
    expect(used).toEqual([[2]]);
    expect(watch.size).toBe(0);
  });

  it('reads again when a change of a watched user was marked during the read; a mark of another user does not count', async () => {
    const watch = new ContactWatch();
    let reads = 0;
    const used: number[] = [];
    await watch.readThenUse(
      [1, 2],
      async () => {
        reads++;
        if (reads === 1) watch.mark([2]);
        if (reads === 2) watch.mark([3]);
        return reads;
      },
      (v) => used.push(v),
    );
    expect(used).toEqual([2]);
  });

  it('gives up after maxReads reads, all overtaken, and uses none of them: no stale answer, and an end to the reads', async () => {
    const watch = new ContactWatch(3);
    let reads = 0;
    const used: number[] = [];
    expect(await watch.readThenUse([1], async () => (watch.mark([1]), ++reads), (v) => used.push(v))).toBe(false);
    expect(reads).toBe(3);
    expect(used).toEqual([]);
    expect(watch.size).toBe(0);
  });

  it('a read that fails uses nothing and forgets the user', async () => {
    const watch = new ContactWatch();
    const use = (): void => {
      throw new Error('must not be called');
    };
    await expect(watch.readThenUse([1], () => Promise.reject(new Error('contacts down')), use)).rejects.toThrow('contacts down');
    expect(watch.size).toBe(0);
  });
});
