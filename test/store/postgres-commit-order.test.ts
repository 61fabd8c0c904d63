/**
 * PostgreSQL message ids commit in id order across instances (the message
 * lock), and same-tick writes share one transaction. Every test works in a
 * fresh schema, dropped after.
 */
import { describe, expect, it } from 'vitest';
import { MESSAGE_LOCK_SQL } from '../../src/store/postgres/index.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: message ids commit in id order', () => {
    const db = useSchemas(url);

    it('a message insert waits for the message lock another transaction holds', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const a = await stores.users.createUser('alice', 'h');
      const holder = await stores.db.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(MESSAGE_LOCK_SQL);
        let saved = false;
        const pending = Promise.resolve(stores.messages.savePrivate({ from: a.id, to: a.id, content: 'x' })).then((s) => ((saved = true), s));
        await new Promise((r) => setTimeout(r, 200));
        expect(saved).toBe(false);
        await holder.query('COMMIT');
        expect((await pending).duplicate).toBe(false);
      } finally {
        holder.release();
      }
    });

    it('a sync cursor following two writing instances never skips a message', async () => {
      const schema = db.schema();
      const [one, two] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const a = await one!.users.createUser('alice', 'h');
      const b = await one!.users.createUser('bob', 'h');
      const total = 150;
      const seen: number[] = [];
      let writing = true;
      const reader = (async () => {
        let cursor = 0;
        for (;;) {
          // Read the flag before the query: an empty page ends the loop only if its snapshot
          // was taken after every write had committed.
          const done = !writing;
          const page = await one!.messages.messagesSince(b.id, cursor, 50);
          for (const m of page) seen.push(m.id);
          if (page.length > 0) cursor = page[page.length - 1]!.id;
          else if (done) break;
        }
      })();
      const writes = [];
      for (let i = 0; i < total; i++) {
        const stores = i % 2 === 0 ? one! : two!;
        writes.push(stores.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` }));
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
      const saved = await Promise.all(writes);
      writing = false;
      await reader;
      expect(seen).toEqual(saved.map((s) => s.message.id).sort((x, y) => x - y));
    });

    it('same-tick writes share one transaction; one bad write fails alone', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      await stores.messages.savePrivate({ from: a.id, to: a.id, content: 'earlier', clientId: 'taken' });
      const before = { ...stores.messageQueue.stats };
      const results = await Promise.allSettled([
        stores.messages.savePrivate({ from: a.id, to: a.id, content: 'one' }),
        // A client_id already used for a private message cannot name a group message.
        stores.messages.saveGroup({ from: a.id, groupId: 2_000_000_000, content: 'lost', clientId: 'taken' }),
        stores.messages.savePrivate({ from: a.id, to: a.id, content: 'bad \u0000 byte' }),
        stores.messages.savePrivate({ from: a.id, to: a.id, content: 'two' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'ParlorError', code: 'bad_request' });
      // PostgreSQL text cannot hold U+0000: the sender's error (bad_request), not `internal`, so no resend loop.
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'ParlorError', code: 'bad_request' });
      expect(stores.messageQueue.stats.batches - before.batches).toBe(1);
      expect(stores.messageQueue.stats.largestBatch).toBeGreaterThanOrEqual(4);
      expect((await stores.messages.privateHistory(a.id, a.id, { limit: 10 })).items.map((m) => m.content)).toEqual(['two', 'one', 'earlier']);
    });
  });
});
