/**
 * PostgreSQL draws message ids before commit, so a message can commit after
 * a later one of the same conversation (another instance's batch was in
 * flight): the reader may read the later one first, moving the read marker
 * past an id that did not exist yet. The `read` of the late message must
 * still mark it: the sender got a `read` receipt for it, and its history
 * status would otherwise stay `delivered` for good.
 */
import { describe, expect, it } from 'vitest';
import { insertMessage } from '../../src/store/postgres/message-store.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: a read of a message that committed after a later one was read', () => {
    const db = useSchemas(url);
    it('marks it read, below the read marker', async () => {
      const schema = db.schema();
      const [instA, instB] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const s = await instA.users.createUser('sender', 'h');
      const r = await instA.users.createUser('reader', 'h');
      const first = (await instA.messages.savePrivate({ from: s.id, to: r.id, content: 'first' })).message; // the pair exists
      await instA.messages.markRead(r.id, first.id);
      const slow = await instA.db.pool.connect();
      let late: number;
      try {
        await slow.query('BEGIN'); // instance A's batch: id drawn, not committed
        late = (await insertMessage(slow, { from: s.id, to: r.id, group: null, content: 'late' })).row.id;
        const later = (await instB.messages.savePrivate({ from: s.id, to: r.id, content: 'later' })).message;
        expect(await instB.messages.markDelivered(later.id, r.id)).toBe(true);
        await instB.messages.markRead(r.id, later.id); // marker -> later
        await slow.query('COMMIT');
      } finally {
        slow.release();
      }
      expect(await instA.messages.markDelivered(late, r.id)).toBe(true); // arrives live
      await expect(instA.messages.markRead(r.id, late)).resolves.toEqual({ senderId: s.id, messageId: late, markerMoved: false }); // the sender is told; the marker (at `later`) stays
      const page = await instA.messages.privateHistory(s.id, r.id, { limit: 10, offset: 0 });
      expect(page.items.map((m) => [m.content, (m as { status?: string }).status])).toEqual([
        ['later', 'read'],
        ['late', 'read'], // actual: 'delivered', for good
        ['first', 'read'],
      ]);
    });
  });
});
