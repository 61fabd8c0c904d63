import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MembershipCache } from '../../src/store/membership-cache.js';
import { MembershipListener } from '../../src/store/postgres/membership-listener.js';

/** A pg.Client stand-in: connects, LISTENs, and answers `SELECT 1` only while `answering`. */
class FakeClient extends EventEmitter {
  static refuse = 0;
  answering = true;
  ended = false;
  readonly queries: string[] = [];
  async connect(): Promise<void> {
    if (FakeClient.refuse > 0) {
      FakeClient.refuse -= 1;
      throw new Error('ECONNREFUSED');
    }
  }
  query(sql: string): Promise<unknown> {
    this.queries.push(sql);
    if (sql.startsWith('LISTEN') || this.answering) return Promise.resolve({ rows: [] });
    return new Promise(() => {}); // a partition: the query never comes back
  }
  async end(): Promise<void> {
    this.ended = true;
  }
}

describe('MembershipListener', () => {
  afterEach(() => vi.useRealTimers());

  function setup() {
    vi.useFakeTimers();
    const clients: FakeClient[] = [];
    const source = { dedicatedClient: () => (clients.push(new FakeClient()), clients.at(-1) as unknown as pg.Client) };
    const cache = new MembershipCache(10, { enabled: false });
    const listener = new MembershipListener(source, cache, 'parlor_membership:s', { heartbeatMs: 1000, heartbeatTimeoutMs: 500, retryMinMs: 100 });
    return { clients, cache, listener };
  }

  it('enables the cache once LISTEN succeeded, and drops a group named in a notification on its channel only', async () => {
    const { clients, cache, listener } = setup();
    listener.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(clients[0]!.queries).toEqual(['LISTEN "parlor_membership:s"']);
    expect(cache.enabled).toBe(true);
    cache.members(4, () => [1]);
    clients[0]!.emit('notification', { channel: 'parlor_membership:other', payload: '4' });
    expect(cache.size).toBe(1);
    clients[0]!.emit('notification', { channel: 'parlor_membership:s', payload: '4' });
    expect(cache.size).toBe(0);
    await listener.close();
  });

  it('a heartbeat that gets no answer turns the cache off, then it reconnects and turns it on again', async () => {
    const { clients, cache, listener } = setup();
    listener.start();
    await vi.advanceTimersByTimeAsync(0);
    cache.members(4, () => [1]);
    clients[0]!.answering = false; // the connection silently stopped
    await vi.advanceTimersByTimeAsync(1000 + 499);
    expect(cache.enabled).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(cache.enabled).toBe(false);
    expect(cache.size).toBe(0);
    expect(clients[0]!.ended).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(clients).toHaveLength(2);
    expect(cache.enabled).toBe(true);
    await listener.close();
    expect(cache.enabled).toBe(false);
    expect(clients[1]!.ended).toBe(true);
  });

  it('an error on the connection turns the cache off; failed reconnects back off, a success resets the backoff', async () => {
    const { clients, cache, listener } = setup();
    listener.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeClient.refuse = 2;
    clients[0]!.emit('error', new Error('reset'));
    expect(cache.enabled).toBe(false);
    await vi.advanceTimersByTimeAsync(100); // 1st retry after 100 ms: refused
    expect(clients).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(clients).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // 2nd after 200 ms: refused
    expect(clients).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(400); // 3rd after 400 ms: listening
    expect(clients).toHaveLength(4);
    expect(cache.enabled).toBe(true);
    clients[3]!.emit('end');
    await vi.advanceTimersByTimeAsync(100); // back to 100 ms
    expect(clients).toHaveLength(5);
    await listener.close();
  });
});
