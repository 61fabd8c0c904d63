/**
 * PostgreSQL: an invitation locks its inviter's group_members row with the
 * invitee's (src/store/postgres/group-store.ts, INVITATION_ROWS), so the
 * inviter's status it decides on (src/store/domain/invitations.ts: only an
 * accepted member invites) is the committed one:
 * - a removal (or leave) of the inviter under way when the invitation
 *   starts: the invitation waits for it, then is `forbidden`, not stored;
 * - two members inviting each other at once: both rows are locked in user id
 *   order, so neither waits for the other in a circle (a deadlock, 40P01,
 *   would fail one of them as an `internal` error).
 *
 * The interleavings are forced with a plain client holding a row lock, and
 * stepped by counting the pool's connections that wait for a lock.
 */
import { describe, expect, it, vi } from 'vitest';
import { lockWaits, schemaClient } from '../support/postgres-lock-waits.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

const POOL = 2;
const waitFor = { timeout: 5000, interval: 20 };

await describeWithPostgres('postgres store', (url) => {
  describe("postgres: an invitation and its inviter's row", () => {
    const db = useSchemas(url);

    async function openGroup() {
      const schema = db.schema();
      const stores = await db.open({ schema, poolSize: POOL });
      const [owner, member, invitee] = [
        await stores.users.createUser('owner', 'h'),
        await stores.users.createUser('member', 'h'),
        await stores.users.createUser('invitee', 'h'),
      ];
      const group = await stores.groups.createGroup(owner.id, 'g');
      await stores.groups.invite(group.id, member.id, owner.id);
      expect(await stores.groups.respond(group.id, member.id, true)).toBe(true);
      const [observer, holder] = [await schemaClient(url, schema), await schemaClient(url, schema)];
      const waiting = await lockWaits(stores, observer, POOL);
      return { stores, owner, member, invitee, group, observer, holder, waiting };
    }

    it("waits for a removal of the inviter under way, then is forbidden and stores nothing", async () => {
      const { stores, member, invitee, group, observer, holder, waiting } = await openGroup();
      try {
        // The owner's removal of the member (the member's leave), not committed yet.
        await holder.query('BEGIN');
        await holder.query(`UPDATE group_members SET status = 'declined' WHERE group_id = $1 AND user_id = $2 AND status = 'accepted'`, [
          group.id,
          member.id,
        ]);
        const inviting = Promise.resolve(stores.groups.invite(group.id, invitee.id, member.id));
        inviting.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(1), waitFor);
        await holder.query('COMMIT');
        await expect(inviting).rejects.toMatchObject({ code: 'forbidden' });
        expect(await stores.groups.memberStatus(group.id, invitee.id)).toBeNull();
      } finally {
        await holder.end();
        await observer.end();
      }
    });

    it('two members inviting each other at once: both answered conflict, no deadlock', async () => {
      const { stores, owner, member, group, observer, holder, waiting } = await openGroup();
      const [low, high] = owner.id < member.id ? [owner, member] : [member, owner];
      try {
        // The higher id's row is held elsewhere: low's invitation of high locks low's row, then waits for high's.
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2 FOR UPDATE', [group.id, high.id]);
        const lowInvites = Promise.resolve(stores.groups.invite(group.id, high.id, low.id));
        lowInvites.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(1), waitFor);
        // high's invitation of low: were the invitee's row locked first, it would hold low's and wait for high's.
        const highInvites = Promise.resolve(stores.groups.invite(group.id, low.id, high.id));
        highInvites.catch(() => {});
        await vi.waitFor(async () => expect(await waiting()).toBe(2), waitFor);
        await holder.query('COMMIT');
        await expect(lowInvites).rejects.toMatchObject({ code: 'conflict' });
        await expect(highInvites).rejects.toMatchObject({ code: 'conflict' });
      } finally {
        await holder.end();
        await observer.end();
      }
    });
  });
});
