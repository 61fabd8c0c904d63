/**
 * PostgreSQL message writes without a cluster-wide lock (write slots and the
 * sync horizon, db/postgres/002_message_write_slots.sql), and one statement
 * per batch. Every test works in a fresh schema, dropped after.
 */
import { describe, expect, it, vi } from 'vitest';
import { INSERT_MESSAGES } from '../../src/store/postgres/message-insert.js';
import { insertMessage } from '../../src/store/postgres/message-store.js';
import { count, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

/** Settles `promise` into a flag, to see whether it is still waiting. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  tracked.catch(() => {});
  return { promise: tracked, settled: () => settled };
}

const moment = (ms = 200) => new Promise((r) => setTimeout(r, ms));

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: message writes without a cluster-wide lock', () => {
    const db = useSchemas(url);

    it('two transactions inserting messages at once do not wait for each other', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      // The conversation exists already (its first message adds a private_peers row, which a
      // concurrent first message of the same pair would wait for).
      await stores.messages.savePrivate({ from: a.id, to: a.id, content: 'hello' });
      const first = await stores.db.pool.connect();
      const second = await stores.db.pool.connect();
      try {
        await first.query('BEGIN');
        await second.query('BEGIN');
        const one = await insertMessage(first, { from: a.id, to: a.id, group: null, content: 'one' });
        // With one lock for every message transaction this would wait for `first` to commit.
        const two = watch(insertMessage(second, { from: a.id, to: a.id, group: null, content: 'two' }));
        await vi.waitFor(() => expect(two.settled()).toBe(true), { timeout: 2000, interval: 20 });
        expect((await two.promise).row.id).toBeGreaterThan(one.row.id);
        await second.query('COMMIT');
        await first.query('COMMIT');
      } finally {
        first.release();
        second.release();
      }
    });

    it("a batch's cost does not grow with the table: no row of messages is scanned, whatever plan the session cached", async () => {
      const stores = await db.open({ schema: db.schema(), poolSize: 1 });
      const client = await stores.db.pool.connect();
      const batch = (tag: string, n: number) =>
        client.query(INSERT_MESSAGES, [
          Array.from({ length: n }, (_, i) => 1 + (i % 5)),
          Array.from({ length: n }, (_, i) => 11 + (i % 5)),
          Array.from({ length: n }, () => null),
          Array.from({ length: n }, () => 'x'),
          Array.from({ length: n }, (_, i) => `${tag}-${i}`),
          false,
        ]);
      try {
        // Past five calls PL/pgSQL keeps a generic plan, made while the table was small...
        for (let i = 0; i < 8; i++) await batch(`warm${i}`, 20);
        // ...and the table then grows.
        await client.query(
          `INSERT INTO messages (sender_id, recipient_id, content, client_id) SELECT 1 + g % 5, 11 + g % 5, 'bulk', 'bulk-' || g FROM generate_series(1, 20000) g`,
        );
        await client.query('BEGIN');
        const { rows } = await batch('measured', 20);
        const [scanned] = (
          await client.query<{ seq: string; idx: string }>(
            `SELECT coalesce(seq_tup_read, 0) AS seq, coalesce(idx_tup_fetch, 0) AS idx FROM pg_stat_xact_user_tables WHERE relid = 'messages'::regclass`,
          )
        ).rows;
        await client.query('COMMIT');
        expect(rows.filter((r: { duplicate: boolean }) => !r.duplicate)).toHaveLength(20);
        // A lookup of the rows stored earlier under the same client_id is one index probe per item, never a scan.
        expect(Number(scanned!.seq)).toBe(0);
        // And a duplicate in a later batch is still found, through the index.
        const again = await batch('measured', 1);
        expect(again.rows[0]).toMatchObject({ duplicate: true, id: rows[0].id });
      } finally {
        client.release();
      }
    });

    it('sync stops below a message still being committed, and returns it once committed', async () => {
      const schema = db.schema();
      const [writer, reader] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const a = await writer.users.createUser('alice', 'h');
      const b = await writer.users.createUser('bob', 'h');
      const before = await writer.messages.savePrivate({ from: a.id, to: b.id, content: 'before' });
      const slow = await writer.db.pool.connect();
      try {
        // A batch that has drawn its id and not committed yet (an instance mid-COMMIT)...
        await slow.query('BEGIN');
        const late = await insertMessage(slow, { from: a.id, to: b.id, group: null, content: 'late' });
        // ...and a later message, committed and acked meanwhile by another instance.
        const later = await reader.messages.savePrivate({ from: a.id, to: b.id, content: 'later' });
        expect(later.message.id).toBeGreaterThan(late.row.id);

        // A cursor that moved past `later` now would never see `late`: sync waits for it.
        const sync = watch(Promise.resolve(reader.messages.messagesSince(b.id, before.message.id, 10)));
        await moment();
        expect(sync.settled()).toBe(false);
        await slow.query('COMMIT');
        expect((await sync.promise).map((m) => m.content)).toEqual(['late', 'later']);
      } finally {
        slow.release();
      }
    });

    it('a rolled-back batch holds sync up only until it ends, and leaves a gap that is never filled', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const hello = await stores.messages.savePrivate({ from: a.id, to: a.id, content: 'hello' });
      const slow = await stores.db.pool.connect();
      try {
        await slow.query('BEGIN');
        const undone = await insertMessage(slow, { from: a.id, to: a.id, group: null, content: 'undone' });
        const after = await stores.messages.savePrivate({ from: a.id, to: a.id, content: 'after' });
        const sync = watch(Promise.resolve(stores.messages.messagesSince(a.id, hello.message.id, 10)));
        await moment();
        expect(sync.settled()).toBe(false);
        await slow.query('ROLLBACK');
        expect((await sync.promise).map((m) => m.id)).toEqual([after.message.id]);
        expect(after.message.id).toBeGreaterThan(undone.row.id);
      } finally {
        slow.release();
      }
    });

    it('two instances writing at once, a reader syncing all along with its cursor: every acked message exactly once, in id order', async () => {
      const schema = db.schema();
      const [one, two, reader] = await Promise.all([db.open({ schema }), db.open({ schema }), db.open({ schema })]);
      const r = await one.users.createUser('reader', 'h');
      const senders = await Promise.all(['s1', 's2', 's3', 's4'].map((name) => one.users.createUser(name, 'h')));
      const group = await one.groups.createGroup(r.id, 'room');
      for (const s of senders) {
        await one.groups.invite(group.id, s.id, r.id);
        await one.groups.respond(group.id, s.id, true);
      }

      let writing = true;
      let reads = 0;
      /** One reader: `sync` page after page with its cursor, until a page that started after the last ack is empty. */
      const sync = async (): Promise<number[]> => {
        const seen: number[] = [];
        let cursor = 0;
        for (;;) {
          const done = !writing; // read before the query, so an empty page ends the loop only after every ack
          const page = await reader.messages.messagesSince(r.id, cursor, 100);
          reads += 1;
          for (const m of page) seen.push(m.id);
          if (page.length > 0) cursor = page[page.length - 1]!.id;
          else if (done) return seen;
        }
      };
      const readers = [sync(), sync(), sync()];

      // On each instance, 12 senders each with one message in flight at a time: private messages
      // to and from the reader and group messages, so both instances' batches overlap all along.
      let n = 0;
      const send = (at: typeof one, s: (typeof senders)[number]) => {
        const i = n++;
        if (i % 3 === 0) return at.messages.savePrivate({ from: s.id, to: r.id, content: `to ${i}`, clientId: `c${i}` });
        if (i % 3 === 1) return at.messages.savePrivate({ from: r.id, to: s.id, content: `from ${i}` });
        return at.messages.saveGroup({ from: s.id, groupId: group.id, content: `group ${i}`, clientId: `c${i}` });
      };
      const acked: number[] = [];
      const writers = [one, two].flatMap((at) =>
        Array.from({ length: 12 }, async (_, k) => {
          for (let j = 0; j < 30; j++) acked.push((await send(at, senders[k % senders.length]!)).message.id);
        }),
      );
      await Promise.all(writers);
      writing = false;
      const seen = await Promise.all(readers);

      expect(one.messageQueue.stats.batches + two.messageQueue.stats.batches).toBeGreaterThan(10);
      expect(reads).toBeGreaterThan(10);
      for (const ids of seen) {
        expect(ids).toEqual([...ids].sort((x, y) => x - y)); // in id order, so no id twice either
        expect(ids).toEqual([...acked].sort((x, y) => x - y));
      }
    });

    it('a batch of messages is one statement, duplicates of one client_id inside it included', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const b = await stores.users.createUser('bob', 'h');
      const group = await stores.groups.createGroup(a.id, 'g');
      const statements = vi.spyOn(stores.db, 'query');
      const saved = await Promise.all([
        ...Array.from({ length: 30 }, (_, i) => stores.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` })),
        stores.messages.savePrivate({ from: a.id, to: b.id, content: 'once', clientId: 'same' }),
        stores.messages.savePrivate({ from: a.id, to: b.id, content: 'twice', clientId: 'same' }),
        stores.messages.saveGroup({ from: a.id, groupId: group.id, content: 'in the group', clientId: 'g1' }),
      ]);
      const settled = await Promise.allSettled([stores.messages.savePrivate({ from: a.id, to: b.id, content: 'not private', clientId: 'g1' })]);
      expect(statements).toHaveBeenCalledTimes(2); // the batch of 33, then the lone resend
      expect(stores.messageQueue.stats.largestBatch).toBe(33);
      // Ids in the order the messages were enqueued.
      const ids = saved.slice(0, 30).map((s) => s.message.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(saved[30]).toMatchObject({ duplicate: false, message: { content: 'once' } });
      expect(saved[31]).toEqual({ ...saved[30], duplicate: true });
      expect(await count(stores, `messages WHERE client_id = 'same'`)).toBe(1);
      expect(settled[0]).toMatchObject({ status: 'rejected', reason: { name: 'ParlorError', code: 'bad_request' } });
      // private_peers, kept by the statement trigger: one pair, both directions.
      expect(await count(stores, 'private_peers')).toBe(2);
    });

    it('a batch of delivered marks is one statement; each message is marked delivered once', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const b = await stores.users.createUser('bob', 'h');
      const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` })));
      const ids = sent.map((s) => s.message.id);
      const statements = vi.spyOn(stores.db, 'query');
      const marks = await Promise.all([
        ...ids.map((id) => stores.messages.markDelivered(id, b.id)),
        stores.messages.markDelivered(ids[0]!, b.id), // the same mark again, e.g. bob on two instances
        stores.messages.markDelivered(ids[1]!, a.id), // not a message to alice
      ]);
      expect(statements).toHaveBeenCalledTimes(1);
      expect(marks).toEqual([...ids.map(() => true), false, false]);
      expect(await stores.messages.markDelivered(ids[2]!, b.id)).toBe(false);
      expect(await count(stores, 'messages WHERE delivered_at IS NOT NULL')).toBe(10);
    });

    it('two instances marking the same messages delivered in opposite orders at once: no deadlock, each marked once', async () => {
      const schema = db.schema();
      const [one, two] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const a = await one.users.createUser('alice', 'h');
      const b = await one.users.createUser('bob', 'h');
      for (let round = 0; round < 8; round++) {
        const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => one.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` })));
        const ids = sent.map((s) => s.message.id);
        // Bob on both instances: each instance marks every message, one in id order, the other backwards.
        const marks = await Promise.all([
          ...ids.map((id) => one.messages.markDelivered(id, b.id)),
          ...[...ids].reverse().map((id) => two.messages.markDelivered(id, b.id)),
        ]);
        expect(marks.filter(Boolean)).toHaveLength(100);
      }
    });
  });
});
