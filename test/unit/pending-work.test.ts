import { describe, expect, it } from 'vitest';
import { PendingWork } from '../../src/pending-work.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('PendingWork', () => {
  it('drained waits for every promise added, rejected ones too, and those added while it waits', async () => {
    const pending = new PendingWork();
    let failLater!: (err: Error) => void;
    let finishLate!: () => void;
    const failing = pending.add(new Promise<void>((_, reject) => (failLater = reject)));
    failing.catch(() => undefined);
    let drained = false;
    const waiting = pending.drained().then(() => (drained = true));
    pending.add(new Promise<void>((resolve) => (finishLate = resolve)));
    failLater(new Error('no'));
    await turn();
    expect(drained).toBe(false);
    finishLate();
    await waiting;
    expect(drained).toBe(true);
  });

  it('hands the promise back unchanged and tells onRejected of a rejection the caller still sees', async () => {
    const seen: unknown[] = [];
    const pending = new PendingWork((err) => seen.push(err));
    const err = new Error('disk full');
    const p = Promise.reject(err);
    expect(pending.add(p)).toBe(p);
    await expect(p).rejects.toBe(err);
    await pending.drained();
    expect(seen).toEqual([err]);
    await expect(pending.add(Promise.resolve(7))).resolves.toBe(7);
    expect(seen).toEqual([err]);
  });

  it('a drain started once idle again waits only for what is added after', async () => {
    const pending = new PendingWork();
    await pending.drained(); // nothing pending: at once
    let finish!: () => void;
    pending.add(new Promise<void>((resolve) => (finish = resolve)));
    let drained = false;
    const waiting = pending.drained().then(() => (drained = true));
    await turn();
    expect(drained).toBe(false);
    finish();
    await waiting;
    expect(drained).toBe(true);
  });
});
