/**
 * PostgreSQL idempotent saves (sender + client_id) raced across instances and
 * across transactions. Every test works in a fresh schema, dropped after.
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { insertMessage } from '../../src/store/postgres/message-store.js';
import { count, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: idempotent saves under concurrency', () => {
    const db = useSchemas(url);

    /** Two open transactions on a fresh schema, about to insert alice's note to herself with `clientId`; released after `body`. */
    async function inTwoTransactions(
      clientId: string,
      body: (t: { stores: Awaited<ReturnType<typeof db.open>>; first: pg.PoolClient; second: pg.PoolClient; input: { from: number; to: number; group: null; clientId: string } }) => Promise<void>,
    ): Promise<void> {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const first = await stores.db.pool.connect();
      const second = await stores.db.pool.connect();
      try {
        await first.query('BEGIN');
        await second.query('BEGIN');
        await body({ stores, first, second, input: { from: a.id, to: a.id, group: null, clientId } });
      } finally {
        first.release();
        second.release();
      }
    }

    it('two instances saving the same client_id at once store one row and answer the same id', async () => {
      const schema = db.schema();
      const [one, two] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const a = await one!.users.createUser('alice', 'h');
      const b = await one!.users.createUser('bob', 'h');
      for (let round = 0; round < 10; round++) {
        const clientId = `race-${round}`;
        const [x, y] = await Promise.all([
          one!.messages.savePrivate({ from: a.id, to: b.id, content: `one ${round}`, clientId }),
          two!.messages.savePrivate({ from: a.id, to: b.id, content: `two ${round}`, clientId }),
        ]);
        expect(x.message).toEqual(y.message);
        expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
        expect(await count(one!, 'messages WHERE sender_id = $1 AND client_id = $2', [a.id, clientId])).toBe(1);
      }
    });

    it('ON CONFLICT: a second transaction inserting the same client_id waits for the first, then returns its row', async () => {
      await inTwoTransactions('raced', async ({ stores, first, second, input }) => {
        const mine = await insertMessage(first, { ...input, content: 'first' });
        let settled = false;
        const theirs = insertMessage(second, { ...input, content: 'second' }).finally(() => (settled = true));
        await new Promise((r) => setTimeout(r, 200));
        expect(settled).toBe(false); // blocked on the uncommitted unique index entry
        await first.query('COMMIT');
        const got = await theirs;
        await second.query('COMMIT');
        expect(mine.duplicate).toBe(false);
        expect(got).toEqual({ row: mine.row, duplicate: true });
        expect(await count(stores, `messages WHERE client_id = 'raced'`)).toBe(1);
      });
    });

    it('the first transaction rolling back lets the waiting one insert its own row', async () => {
      await inTwoTransactions('undone', async ({ first, second, input }) => {
        await insertMessage(first, { ...input, content: 'first' });
        const theirs = insertMessage(second, { ...input, content: 'second' });
        await new Promise((r) => setTimeout(r, 100));
        await first.query('ROLLBACK');
        const got = await theirs;
        await second.query('COMMIT');
        expect(got.duplicate).toBe(false);
        expect(got.row.content).toBe('second');
      });
    });
  });
});
