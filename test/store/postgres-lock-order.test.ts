/**
 * PostgreSQL: the statements that update several messages lock them in id
 * order, so a read receipt and a batch of `delivered` marks sharing messages
 * never deadlock (one of them would fail with 40P01 after deadlock_timeout:
 * an `internal` error for the reader, or lost `delivered` receipts).
 *
 * The order a plan visits rows in is the planner's choice; this test forces
 * the one that exposes it: a sequential scan (the reader's connections have
 * index scans off) over a heap where an updated message moved after the
 * later ones, as any UPDATE of a row can make it. A read's update takes no
 * row its first statement did not lock: a message that committed in between
 * would be locked out of order.
 */
import { describe, expect, it, vi } from 'vitest';
import { insertMessage } from '../../src/store/postgres/message-store.js';
import { lockWaits, schemaClient } from '../support/postgres-lock-waits.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

/** The same database, with sessions that plan sequential scans only. */
function withSequentialScans(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', '-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off');
  return u.toString();
}

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: message rows are locked in id order', () => {
    const db = useSchemas(url);

    it('a read receipt and a delivered batch over the same messages both complete, whatever order the scan visits them in', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema, connectionString: withSequentialScans(url), poolSize: 2 });
      const sender = await stores.users.createUser('sender', 'h');
      const reader = await stores.users.createUser('reader', 'h');
      const ids: number[] = [];
      for (const content of ['a', 'b', 'c']) ids.push((await stores.messages.savePrivate({ from: sender.id, to: reader.id, content })).message.id);
      const [a, b, c] = ids as [number, number, number];

      const [observer, holder] = [await schemaClient(url, schema), await schemaClient(url, schema)];
      try {
        // Message a moves after b and c in the heap (an update writes a new row version).
        await observer.query('UPDATE messages SET created_at = created_at WHERE id = $1', [a]);
        const heapOrder = (await observer.query<{ id: string }>('SELECT id FROM messages ORDER BY ctid')).rows.map((r) => Number(r.id));
        expect(heapOrder).toEqual([b, c, a]);
        const waiting = await lockWaits(stores, observer, 2);

        // c is held elsewhere: the read stops at it, holding what it locked before.
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [c]);
        const read = stores.messages.markRead(reader.id, c);
        read.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(1), { timeout: 5000, interval: 20 });
        // One delivered batch over a and b, while the read waits.
        const delivered = Promise.all([stores.messages.markDelivered(a, reader.id), stores.messages.markDelivered(b, reader.id)]);
        delivered.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(2), { timeout: 5000, interval: 20 });
        await holder.query('COMMIT');

        // Visiting b, c, a, the read would hold b and wait for a, which the batch (a first) holds while it waits for b.
        // The read marked all three delivered before the batch could, and names them (it announces them)...
        await expect(read).resolves.toEqual({ senderId: sender.id, messageId: c, delivered: [a, b, c] });
        // ...so the batch sets nothing again: one delivered receipt each.
        await expect(delivered).resolves.toEqual([false, false]);
        await expectEveryMessageReadAndDelivered(observer, 3);
      } finally {
        await holder.end();
        await observer.end();
      }
    });

    it('a message that commits between a read locking its range and marking it: two devices reading at once both complete', async () => {
      // Ids are drawn before commit (db/postgres/002_message_write_slots.sql): message x, older than m, commits after it.
      // The first read locks its range (m) without x; x commits; the second read locks x, then waits for m. Marking
      // the range again, the first read took x after m, and PostgreSQL ended one of the two with 40P01 (an `internal`
      // error frame for that device).
      const schema = db.schema();
      const stores = await db.open({ schema, poolSize: 2 });
      const sender = await stores.users.createUser('sender', 'h');
      const reader = await stores.users.createUser('reader', 'h');
      const first = (await stores.messages.savePrivate({ from: sender.id, to: reader.id, content: 'first' })).message.id;
      await stores.messages.markRead(reader.id, first);
      const [observer, holder, writer] = [await schemaClient(url, schema), await schemaClient(url, schema), await schemaClient(url, schema)];
      try {
        const waiting = await lockWaits(stores, observer, 2);
        await writer.query('BEGIN');
        const late = Number((await insertMessage(writer, { from: sender.id, to: reader.id, group: null, content: 'late' })).row.id); // not committed (pg gives bigint as digits)
        const m = (await stores.messages.savePrivate({ from: sender.id, to: reader.id, content: 'm' })).message.id;
        expect(late).toBeLessThan(m);

        // m is held elsewhere: the first read has looked at its range (x not committed yet) and waits for m.
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [m]);
        const one = stores.messages.markRead(reader.id, m);
        one.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(1), { timeout: 5000, interval: 20 });
        await writer.query('COMMIT');
        // The second device's read of m sees x: it locks x, then queues for m behind the first read.
        const two = stores.messages.markRead(reader.id, m);
        two.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(2), { timeout: 5000, interval: 20 });
        await holder.query('COMMIT');

        // The first read marks what it locked and announces; x is the second read's, below the marker the first moved.
        await expect(one).resolves.toEqual({ senderId: sender.id, messageId: m, delivered: [m] });
        await expect(two).resolves.toEqual({ senderId: sender.id, messageId: m, delivered: [late], markerMoved: false });
        await expectEveryMessageReadAndDelivered(observer, 3);
      } finally {
        await writer.query('ROLLBACK').catch(() => {});
        await Promise.all([holder.end(), observer.end(), writer.end()]);
      }
    });
  });
});

/** Every message of the schema is marked read and delivered, and there are `count` of them. */
async function expectEveryMessageReadAndDelivered(observer: { query<R>(sql: string): Promise<{ rows: R[] }> }, count: number): Promise<void> {
  const { rows } = await observer.query<{ read: boolean; delivered: boolean }>(
    'SELECT read_at IS NOT NULL AS read, delivered_at IS NOT NULL AS delivered FROM messages ORDER BY id',
  );
  expect(rows).toEqual(Array.from({ length: count }, () => ({ read: true, delivered: true })));
}
