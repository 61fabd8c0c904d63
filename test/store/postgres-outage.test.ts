/**
 * PostgreSQL outages, through a TCP proxy (the real server is never
 * stopped): unreachable, a lock holder cut off, a partition. Every test works
 * in a fresh schema, dropped after.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isParlorError } from '../../src/errors.js';
import { MESSAGE_LOCK_SQL } from '../../src/store/postgres/index.js';
import { count, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: outages (through a TCP proxy; the server itself keeps running)', () => {
    const db = useSchemas(url);
    let proxy: TcpProxy;
    const target = new URL(url);
    beforeAll(async () => {
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    });
    afterEach(async () => {
      await proxy.restore();
    });
    afterAll(async () => {
      await proxy.close();
    });

    /** A store through the proxy with short bounds, and a direct one on the same schema to look at the data. */
    async function openPair() {
      const schema = db.schema();
      const direct = await db.open({ schema });
      const proxied = await db.open({ schema, connectionString: proxy.via(url), connectionTimeoutMs: 500, queryTimeoutMs: 1000 });
      const a = await proxied.users.createUser(`alice_${Math.random().toString(36).slice(2, 8)}`, 'h');
      return { direct, proxied, a };
    }

    async function expectBoundedFailure(work: () => unknown, withinMs: number): Promise<unknown> {
      const started = Date.now();
      let caught: unknown;
      try {
        await work();
      } catch (err) {
        caught = err;
      }
      expect(caught, 'expected a rejection').toBeInstanceOf(Error);
      expect(isParlorError(caught)).toBe(false); // the Manager turns it into `internal`
      expect(Date.now() - started).toBeLessThan(withinMs);
      return caught;
    }

    it('server unreachable: writes and ping reject at once, nothing half-stored; back: the same client_id stores once', async () => {
      const { direct, proxied, a } = await openPair();
      await proxied.ping();
      expect(proxy.accepted).toBeGreaterThan(0); // really through the proxy

      await proxy.cut();
      await expectBoundedFailure(() => proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'lost?', clientId: 'c-out' }), 3000);
      await expectBoundedFailure(() => proxied.groups.createGroup(a.id, 'half'), 3000);
      await expectBoundedFailure(() => proxied.ping(), 3000);
      await expectBoundedFailure(
        () => new Promise<void>((resolve, reject) => proxied.sessions.get('x', (err) => (err ? reject(err) : resolve()))),
        3000,
      );
      expect(await count(direct, `messages WHERE client_id = 'c-out'`)).toBe(0);
      expect(await count(direct, `groups WHERE name = 'half'`)).toBe(0);
      expect(await count(direct, 'group_members WHERE user_id = $1', [a.id])).toBe(0);

      await proxy.restore();
      await proxied.ping();
      const saved = await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'retried', clientId: 'c-out' });
      expect(saved.duplicate).toBe(false);
      expect(await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'again', clientId: 'c-out' })).toEqual({ ...saved, duplicate: true });
      expect(await count(direct, `messages WHERE client_id = 'c-out'`)).toBe(1);
      expect((await proxied.groups.createGroup(a.id, 'whole')).owner_id).toBe(a.id);
    });

    it('an instance cut off while holding the message lock blocks the others only until the server ends its transaction', async () => {
      const { direct, proxied, a } = await openPair();
      // A connection of the proxied store's own pool (its settings), frozen inside a message transaction.
      const frozen = await proxied.db.pool.connect();
      frozen.on('error', () => {});
      try {
        await frozen.query('BEGIN');
        await frozen.query(MESSAGE_LOCK_SQL);
        proxy.stall();
        const started = Date.now();
        // Waits for the lock until the server ends the idle transaction (idle_in_transaction_session_timeout = 1 s here).
        const saved = await direct.messages.savePrivate({ from: a.id, to: a.id, content: 'not blocked for long' });
        expect(saved.duplicate).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(500);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        frozen.release(new Error('discarded')); // destroyed, never pooled again
      }
    });

    it('server silent (a partition): close() still ends, its pool and its membership listener included, instead of waiting for TCP', async () => {
      const { proxied, a } = await openPair();
      await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'warm the pool' });
      await vi.waitFor(() => expect(proxied.groups.membershipCache?.enabled).toBe(true), { timeout: 5000 });
      proxy.stall();
      const started = Date.now();
      await proxied.close();
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('server silent (a partition): the connect and query timeouts bound every call; back: writes work again', async () => {
      const { direct, proxied, a } = await openPair();
      await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'warm the pool' });

      proxy.stall();
      // A pooled connection that no longer answers (query timeout 1 s) and a new one that never
      // completes its handshake (connect timeout 0.5 s): either way, well under 5 s.
      await Promise.all([
        expectBoundedFailure(() => proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'stalled', clientId: 'c-stall' }), 5000),
        expectBoundedFailure(() => proxied.messages.markRead(a.id, 1), 5000),
        expectBoundedFailure(() => proxied.ping(), 5000),
      ]);
      expect(await count(direct, `messages WHERE client_id = 'c-stall'`)).toBe(0);

      await proxy.restore();
      await vi.waitFor(() => proxied.ping(), { timeout: 5000, interval: 100 });
      const saved = await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'after', clientId: 'c-stall' });
      expect(saved.duplicate).toBe(false);
      expect(await count(direct, `messages WHERE client_id = 'c-stall'`)).toBe(1);
    });
  });
});
