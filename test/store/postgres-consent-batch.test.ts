/**
 * PostgreSQL consent reads in batches (src/store/postgres/consent-store.ts):
 * the relations asked for in one tick leave as ONE statement, each caller
 * gets its own pair's answer, and a read asked for after a write returned
 * sees that write. Every test works in a fresh schema, dropped after.
 */
import { describe, expect, it } from 'vitest';
import { count, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: consent relations in batches', () => {
    const db = useSchemas(url);

    it('same-tick relations are one statement, each answer its own pair in the caller order', async () => {
      const stores = await db.open({ schema: db.schema() });
      const [a, b, c] = [101, 102, 103];
      await stores.messages.savePrivate({ from: b, to: a, content: 'b wrote to a' });
      await stores.consent.block(c, a);
      const before = { ...stores.consent.relations.stats };
      const [ab, ba, ac, ca, aa] = await Promise.all([
        stores.consent.relation(a, b),
        stores.consent.relation(b, a),
        stores.consent.relation(a, c),
        stores.consent.relation(c, a),
        stores.consent.relation(a, a),
      ]);
      expect(stores.consent.relations.stats.batches - before.batches).toBe(1);
      expect(stores.consent.relations.stats.largestBatch).toBeGreaterThanOrEqual(5);
      expect(ab).toEqual({ blocking: false, blockedBy: false, wrote: false, peerWrote: true, shareGroup: false });
      expect(ba).toEqual({ blocking: false, blockedBy: false, wrote: true, peerWrote: false, shareGroup: false });
      expect(ac).toEqual({ blocking: false, blockedBy: true, wrote: false, peerWrote: false, shareGroup: false });
      expect(ca).toEqual({ blocking: true, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false });
      expect(aa).toEqual({ blocking: false, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false });
    });

    it('a read asked for after a write returned sees it, even while an earlier batch is on its way', async () => {
      const stores = await db.open({ schema: db.schema() });
      const [a, b] = [201, 202];
      const early = stores.consent.relation(a, b);
      await stores.consent.block(b, a);
      await stores.messages.savePrivate({ from: b, to: a, content: 'after the block' });
      expect(await stores.consent.relation(a, b)).toMatchObject({ blockedBy: true, peerWrote: true });
      // Whether the early read saw the block depends on when its statement started; it is answered either way.
      expect(await early).toMatchObject({ blocking: false, wrote: false });
    });

    it('one batch of private messages records each (writer, peer) pair once, in its direction only', async () => {
      const stores = await db.open({ schema: db.schema() });
      const [a, b, c] = [301, 302, 303];
      // Same tick: one statement (one trigger call) for all five, with a pair repeated and both directions of another.
      await Promise.all([
        stores.messages.savePrivate({ from: a, to: b, content: '1' }),
        stores.messages.savePrivate({ from: a, to: b, content: '2' }),
        stores.messages.savePrivate({ from: b, to: a, content: '3' }),
        stores.messages.savePrivate({ from: c, to: a, content: '4' }),
        stores.messages.savePrivate({ from: a, to: b, content: '5', clientId: 'k' }),
      ]);
      const pairs = await stores.db.rows<{ user_id: string; peer_id: string }>('SELECT user_id, peer_id FROM private_writers ORDER BY user_id, peer_id');
      expect(pairs.map((p) => [Number(p.user_id), Number(p.peer_id)])).toEqual([[a, b], [b, a], [c, a]]);
      await stores.messages.savePrivate({ from: c, to: a, content: 'again' });
      expect(await count(stores, 'private_writers')).toBe(3);
      expect(await stores.consent.relation(a, c)).toMatchObject({ wrote: false, peerWrote: true });
    });

    it('after close, a read is refused and the ones asked for before are answered', async () => {
      const stores = await db.open({ schema: db.schema() });
      const asked = stores.consent.relation(1, 2);
      await stores.close();
      await expect(asked).resolves.toMatchObject({ blocking: false });
      await expect(stores.consent.relation(1, 2)).rejects.toThrow(/closed/);
    });
  });
});
