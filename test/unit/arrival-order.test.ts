import { describe, expect, it } from 'vitest';
import { ArrivalOrder, NO_ORDER, type SendOrder, type Turn } from '../../src/websocket/arrival-order.js';

/** What the Manager's send path does once a message is admitted: wait for its turn if it must, then hand over. */
async function admitted<T>(order: SendOrder, turn: Turn, save: () => T): Promise<T> {
  const waiting = order.ready(turn);
  if (waiting) await waiting;
  return order.handOver(turn, save);
}

describe('ArrivalOrder: one connection hands its messages to the store in the order they arrived', () => {
  it('with nothing earlier pending, no wait: save is called at once and its own result comes back', () => {
    const order = new ArrivalOrder();
    const turn = order.take();
    expect(order.ready(turn)).toBeUndefined();
    const stored = Promise.resolve('stored');
    expect(order.handOver(turn, () => stored)).toBe(stored);
    expect(order.pending).toBe(0);
  });

  it('turns admitted early wait, then hand over in turn order once the first one has', async () => {
    const order = new ArrivalOrder();
    const [first, second, third] = [order.take(), order.take(), order.take()];
    const saved: string[] = [];
    const save = (name: string) => () => (saved.push(name), name);
    const thirdDone = admitted(order, third, save('third'));
    const secondDone = admitted(order, second, save('second'));
    await Promise.resolve();
    expect(saved).toEqual([]);
    expect(order.ready(first)).toBeUndefined();
    expect(order.handOver(first, save('first'))).toBe('first');
    expect(await secondDone).toBe('second');
    expect(await thirdDone).toBe('third');
    expect(saved).toEqual(['first', 'second', 'third']);
    expect(order.pending).toBe(0);
  });

  it('a refused or failed message releases its turn: nothing after it waits for ever, released in any order', async () => {
    const order = new ArrivalOrder();
    const turns = [order.take(), order.take(), order.take(), order.take()];
    const saved: number[] = [];
    const last = admitted(order, turns[3]!, () => saved.push(3));
    order.release(turns[1]!); // refused before the one ahead of it answered
    const third = admitted(order, turns[2]!, () => saved.push(2));
    await Promise.resolve();
    expect(saved).toEqual([]);
    order.release(turns[0]!); // the first failed in its admission
    await Promise.all([third, last]);
    expect(saved).toEqual([2, 3]);
    expect(order.pending).toBe(0);
    // And the order goes on: the next message hands over at once.
    const next = order.take();
    expect(order.ready(next)).toBeUndefined();
    expect(order.handOver(next, () => 'next')).toBe('next');
  });

  it('a save that throws fails its own message only: the turns after it still hand over', async () => {
    const order = new ArrivalOrder();
    const [first, second] = [order.take(), order.take()];
    const secondDone = admitted(order, second, () => 'second');
    expect(() =>
      order.handOver(first, () => {
        throw new Error('store closed');
      }),
    ).toThrow('store closed');
    expect(await secondDone).toBe('second');
    expect(order.pending).toBe(0);
  });

  it('handing over out of turn is a bug, refused loudly rather than stored out of order', () => {
    const order = new ArrivalOrder();
    order.take();
    const second = order.take();
    expect(() => order.handOver(second, () => 'too early')).toThrow(/turn 1 handed over before turn 0/);
  });

  it('NO_ORDER (an HTTP send, host code): never waits, keeps no state', () => {
    const turn = NO_ORDER.take();
    NO_ORDER.take();
    expect(NO_ORDER.ready(turn)).toBeUndefined();
    expect(NO_ORDER.handOver(turn, () => 'now')).toBe('now');
    NO_ORDER.release(NO_ORDER.take());
  });
});
