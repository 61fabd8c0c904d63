/**
 * The client writes its queue no faster than the server's frame limit allows
 * (SendPacer): an outbox built up offline goes out after the reconnect
 * without `rate_limited` answers, and a `rate_limited` answer all the same is
 * a message written again, not a lost one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECOVER_MS, SendPacer } from '../../src/client/send-pacer.js';
import { connectAndSync, createClient, flushPromises, startConnecting } from './client-support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const sendsIn = (frames: Record<string, unknown>[]) => frames.filter((f) => f.type === 'private').map((f) => f.client_id);

describe('ParlorClient: pacing what it queued', () => {
  it('writes 100 messages queued offline as sendBurst at once, then sendRate a second, in order', () => {
    const h = createClient({ sendRate: 10, sendBurst: 20 });
    for (let i = 0; i < 100; i++) void h.client.sendPrivate(2, `m${i}`).catch(() => {});
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    expect(socket.frames()[0]).toEqual({ type: 'sync', since: 0 });
    expect(sendsIn(socket.frames())).toHaveLength(20);
    vi.advanceTimersByTime(1000);
    expect(sendsIn(socket.frames())).toHaveLength(30);
    vi.advanceTimersByTime(7000);
    const written = sendsIn(socket.frames());
    expect(written).toHaveLength(100);
    expect(written).toEqual(Array.from({ length: 100 }, (_, i) => `c${i + 1}`));
  });

  it('a rate_limited answer keeps the message: written again later with its client_id, and the ack settles it', async () => {
    const h = createClient({ sendRate: 8, sendBurst: 5 });
    const socket = connectAndSync(h);
    const sent = h.client.sendPrivate(2, 'hello');
    let settled: unknown;
    sent.then((ack) => (settled = ack), (err) => (settled = err));
    socket.push({ type: 'error', code: 'rate_limited', message: 'too many frames, slow down', client_id: 'c1' });
    await flushPromises();
    expect(settled).toBeUndefined();
    expect(sendsIn(socket.frames())).toEqual(['c1']);
    vi.advanceTimersByTime(1000); // half the rate now: 4 a second, from an empty bucket
    expect(sendsIn(socket.frames())).toEqual(['c1', 'c1']);
    socket.push({ type: 'ack', client_id: 'c1', id: 7, timestamp: 1 });
    await expect(sent).resolves.toMatchObject({ id: 7, client_id: 'c1' });
  });

  it('waiting for the pacer stops with the connection: what is left goes on the next one', () => {
    const h = createClient({ sendRate: 1, sendBurst: 2 });
    for (let i = 0; i < 4; i++) void h.client.sendPrivate(2, `m${i}`).catch(() => {});
    startConnecting(h.client);
    const first = h.net.last;
    first.accept();
    expect(sendsIn(first.frames())).toEqual(['c1', 'c2']);
    first.drop(1006);
    vi.advanceTimersByTime(1500);
    const second = h.net.last;
    expect(second).not.toBe(first);
    expect(sendsIn(first.frames())).toEqual(['c1', 'c2']); // nothing written to the closed socket
    second.accept();
    vi.advanceTimersByTime(10_000);
    expect(sendsIn(second.frames())).toEqual(['c1', 'c2', 'c3', 'c4']);
  });
});

describe('SendPacer', () => {
  it('gives sendBurst at once, then refills at the rate; slowDown halves it, never under 1 a second', () => {
    let now = 0;
    const pacer = new SendPacer(4, 2, () => now);
    expect([pacer.take(), pacer.take(), pacer.take()]).toEqual([true, true, false]);
    expect(pacer.waitMs()).toBe(250);
    now += 250;
    expect(pacer.take()).toBe(true);
    pacer.slowDown();
    expect(pacer.currentRate).toBe(2);
    expect(pacer.waitMs()).toBe(500);
    for (let i = 0; i < 5; i++) {
      now += 1000;
      pacer.slowDown();
    }
    expect(pacer.currentRate).toBe(1);
  });

  it('the answers to one overflow (one per frame past the server burst) halve the rate and the burst once', () => {
    let now = 0;
    const pacer = new SendPacer(15, 30, () => now);
    for (let i = 0; i < 21; i++) pacer.slowDown(); // 21 frames answered rate_limited within the same second
    expect(pacer.currentRate).toBe(7.5);
    now += 10_000; // a quiet spell: the bucket refills to the new, smaller burst
    let burst = 0;
    while (pacer.take()) burst++;
    expect(burst).toBe(15);
  });

  it('climbs back after a quiet spell, a doubling per RECOVER_MS, up to the rate and burst it was given (a server busy for a moment)', () => {
    let now = 0;
    const pacer = new SendPacer(16, 32, () => now);
    pacer.slowDown();
    now += 1000;
    pacer.slowDown();
    expect(pacer.currentRate).toBe(4);
    now += RECOVER_MS;
    pacer.take();
    expect(pacer.currentRate).toBe(8);
    now += RECOVER_MS;
    pacer.take();
    expect(pacer.currentRate).toBe(16);
    now += RECOVER_MS;
    pacer.take();
    expect(pacer.currentRate).toBe(16);
  });

  it('an overflow right after a step back up (the doubled burst is what overflows) is a new one: it halves again', () => {
    let now = 1_000_000;
    const pacer = new SendPacer(8, 8, () => now);
    pacer.slowDown();
    expect(pacer.currentRate).toBe(4);
    now += RECOVER_MS;
    pacer.take();
    expect(pacer.currentRate).toBe(8);
    now += 10;
    pacer.slowDown();
    expect(pacer.currentRate).toBe(4);
    // And the next step up waits a whole quiet spell after that overflow.
    now += RECOVER_MS - 20;
    pacer.take();
    expect(pacer.currentRate).toBe(4);
  });
});
