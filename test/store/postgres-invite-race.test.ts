/**
 * PostgreSQL: two invitations of one user to one group from two instances at
 * once. The second waits for the first to commit and decides on what it
 * wrote, so the re-invitation window (3 invitations a day after declines,
 * src/store/domain/invitations.ts) is never counted from a stale read.
 * The first invitation is held between its read and its write by pausing
 * its connection's queries, as a slow round trip would.
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

const moment = (ms = 300) => new Promise((r) => setTimeout(r, ms));

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: racing invitations of one user', () => {
    const db = useSchemas(url);

    it('the second waits for the first and sees what it wrote: no fourth invitation inside the window', async () => {
      const schema = db.schema();
      const [one, two] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const owner = await one.users.createUser('owner', 'h');
      const invitee = await one.users.createUser('invitee', 'h');
      const group = await one.groups.createGroup(owner.id, 'g');
      for (let i = 0; i < 2; i++) {
        await one.groups.invite(group.id, invitee.id, owner.id);
        expect(await one.groups.respond(group.id, invitee.id, false)).toBe(true);
      }

      // Instance one's third invitation stops after reading the invitee's row (declined, 2 invitations).
      let reached!: () => void;
      const atGate = new Promise<void>((r) => (reached = r));
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const pool = one.db.pool as unknown as { connect: () => Promise<pg.PoolClient> };
      const connect = pool.connect.bind(pool);
      pool.connect = async () => {
        const client = await connect();
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
          const result = await query(...args);
          if (typeof args[0] === 'string' && args[0].includes('group_exists')) {
            reached();
            await gate;
          }
          return result;
        };
        return client;
      };
      const third = one.groups.invite(group.id, invitee.id, owner.id);
      third.catch(() => {});
      await atGate;

      // Instance two's invitation of the same user waits for it.
      let racerSettled = false;
      const racer = Promise.resolve(two.groups.invite(group.id, invitee.id, owner.id)).finally(() => (racerSettled = true));
      racer.catch(() => {});
      try {
        await moment();
        expect(racerSettled).toBe(false);
      } finally {
        open();
      }
      await third;
      // It then finds the invitation pending: the same conflict a second invitation gets in sequence.
      await expect(racer).rejects.toMatchObject({ code: 'conflict' });
      expect(await two.groups.respond(group.id, invitee.id, false)).toBe(true);
      // Three invitations in the window: the fourth is refused.
      await expect(two.groups.invite(group.id, invitee.id, owner.id)).rejects.toMatchObject({ code: 'rate_limited' });
    });
  });
});
