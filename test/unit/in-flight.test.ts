import { describe, expect, it } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { InFlight } from '../../src/websocket/in-flight.js';
import { captureLogger } from '../support/server.js';

describe('InFlight: background work that fails', () => {
  it("logs a client's mistake at debug without a stack, and a server failure at error", async () => {
    const { logger, lines } = captureLogger('debug');
    const inFlight = new InFlight(logger);
    for (const err of [new ParlorError('not_found', 'no such user'), new ParlorError('forbidden', 'not a member'), new Error('disk full')]) {
      await inFlight.track(Promise.reject(err)).catch(() => undefined);
    }
    await inFlight.drain();
    expect(lines.map((l) => [l.level, l.msg, l.code ?? l.err?.message])).toEqual([
      [20, 'background work refused', 'not_found'],
      [20, 'background work refused', 'forbidden'],
      [50, 'background work failed', 'disk full'],
    ]);
    expect(JSON.stringify(lines.slice(0, 2))).not.toContain('stack');
  });
});

describe('InFlight: drain', () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('resolves at once when nothing is in flight', async () => {
    const inFlight = new InFlight(captureLogger('debug').logger);
    let drained = false;
    void inFlight.drain().then(() => (drained = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(drained).toBe(true);
  });

  it('waits for every piece of work, failed ones too, including work started while it waits', async () => {
    const inFlight = new InFlight(captureLogger('debug').logger);
    const first = deferred();
    const second = deferred();
    const late = deferred();
    void inFlight.track(first.promise);
    inFlight.track(second.promise.then(() => Promise.reject(new Error('lost')))).catch(() => undefined);
    let drained = false;
    const draining = inFlight.drain().then(() => (drained = true));
    first.resolve();
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    // Started while draining, before the last of the earlier work settles: drain waits for it too.
    void inFlight.track(late.promise);
    second.resolve();
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    late.resolve();
    await draining;
    expect(drained).toBe(true);
  });

  it('a second drain after the first finished waits only for what is in flight then', async () => {
    const inFlight = new InFlight(captureLogger('debug').logger);
    const a = deferred();
    void inFlight.track(a.promise);
    const first = inFlight.drain();
    a.resolve();
    await first;
    const b = deferred();
    void inFlight.track(b.promise);
    let drained = false;
    const second = inFlight.drain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    b.resolve();
    await second;
    expect(drained).toBe(true);
  });
});
