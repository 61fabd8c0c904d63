/**
 * PostgreSQL: two reads of one conversation that overlap (two devices of the
 * reader, or a newer and an older `read` pipelined on one socket) each read
 * the reader's marker before either moved it. Whether the marker moved is the
 * move's own answer, not that earlier look: the read that comes second, over
 * messages the first already read, moves nothing and is `unchanged`, so the
 * reader's other devices get no receipt that would move their marker back, and
 * host code no second `read` event (docs/protocol.md, Receipts).
 *
 * The overlap is forced, not hoped for: another transaction holds the first
 * message of the range, so both reads read the marker and then queue on that
 * row, in the order they were started.
 */
import type pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { lockWaits, schemaClient } from '../support/postgres-lock-waits.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: two overlapping reads of one conversation', () => {
    const db = useSchemas(url);

    /** A sender, a reader, `n` unread messages between them, and clients to hold a row and to watch the pool wait. */
    async function conversation(n: number) {
      const schema = db.schema();
      const stores = await db.open({ schema, poolSize: 2 });
      const sender = await stores.users.createUser('sender', 'h');
      const reader = await stores.users.createUser('reader', 'h');
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push((await stores.messages.savePrivate({ from: sender.id, to: reader.id, content: `m${i}` })).message.id);
      const [observer, holder] = [await schemaClient(url, schema), await schemaClient(url, schema)];
      const waiting = await lockWaits(stores, observer, 2);
      return { stores, sender, reader, ids, observer, holder, waiting };
    }

    /** Runs `reads` one after the other up to the held row `held` (each queued behind the one before), then lets them go. */
    async function overlapping<T>(holder: pg.Client, waiting: () => Promise<number>, held: number, reads: Array<() => Promise<T>>): Promise<T[]> {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [held]);
      const started: Promise<T>[] = [];
      for (const read of reads) {
        const p = read();
        p.catch(() => {});
        started.push(p);
        await vi.waitFor(async () => expect(await waiting()).toBe(started.length), { timeout: 5000, interval: 20 });
      }
      await holder.query('COMMIT');
      return Promise.all(started);
    }

    const marker = async (observer: pg.Client, reader: number) =>
      Number((await observer.query<{ last_read_id: string }>('SELECT last_read_id FROM read_markers WHERE user_id = $1', [reader])).rows[0]?.last_read_id);

    it('a read of an older message that lands after a newer one was read is unchanged: the marker does not move back', async () => {
      const { stores, sender, reader, ids, observer, holder, waiting } = await conversation(2);
      const [older, newer] = ids as [number, number];
      try {
        const [first, second] = await overlapping(holder, waiting, older, [() => stores.messages.markRead(reader.id, newer), () => stores.messages.markRead(reader.id, older)]);
        expect(first).toEqual({ senderId: sender.id, messageId: newer, delivered: [older, newer] });
        // It read the marker before the newer read moved it, and would answer that it moved it (to `older`).
        expect(second).toEqual({ senderId: sender.id, messageId: older, unchanged: true });
        expect(await marker(observer, reader.id)).toBe(newer);
      } finally {
        await holder.end();
        await observer.end();
      }
    });

    it('two reads of the same message: one reads it, the other is unchanged', async () => {
      const { stores, sender, reader, ids, observer, holder, waiting } = await conversation(1);
      const [m] = ids as [number];
      try {
        const results = await overlapping(holder, waiting, m, [() => stores.messages.markRead(reader.id, m), () => stores.messages.markRead(reader.id, m)]);
        expect(results).toEqual([
          { senderId: sender.id, messageId: m, delivered: [m] },
          { senderId: sender.id, messageId: m, unchanged: true },
        ]);
        expect(await marker(observer, reader.id)).toBe(m);
      } finally {
        await holder.end();
        await observer.end();
      }
    });
  });
});
