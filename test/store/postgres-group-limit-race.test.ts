/**
 * PostgreSQL: two writes racing for the last seat under a group limit
 * (src/store/domain/group-limits.ts). Each transaction writes its membership
 * and then counts; two transactions that both count before either commits
 * would each see only their own row and both pass. The store takes a lock per
 * raised count before it reads the counts, so the second waits, counts what
 * the first wrote, and is refused: the limits are exact, as on SQLite.
 *
 * The interleaving is forced: every count statement of the pool is held until
 * either both transactions reached it (the race, without the locks) or one of
 * them waits for a lock (with them).
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { GROUP_LIMITS } from '../../src/store/domain/group-limits.js';
import type { PostgresStores } from '../../src/store/postgres/index.js';
import { lockWaits, schemaClient } from '../support/postgres-lock-waits.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

const POOL = 2;
const COUNTS_MARK = '"acceptedGroups"';

/**
 * Holds the count statements of the pool's transactions until `release`
 * resolves; `arrived` says how many are held. (`pool.query` connects with a
 * callback: those connections pass untouched.)
 */
function holdCounts(stores: PostgresStores, release: Promise<void>): { arrived: () => number } {
  let arrived = 0;
  const pool = stores.db.pool as unknown as { connect: (...callback: unknown[]) => Promise<pg.PoolClient> };
  const connect = pool.connect.bind(pool);
  pool.connect = async (...callback: unknown[]) => {
    if (callback.length > 0) return connect(...callback);
    const client = await connect();
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes(COUNTS_MARK)) {
        arrived++;
        await release;
      }
      return query(...args);
    };
    return client;
  };
  return { arrived: () => arrived };
}

/** Runs `a` and `b` at once with their count statements held as described above; their outcomes. */
async function race(
  stores: PostgresStores,
  observer: pg.Client,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>[]> {
  const waiting = await lockWaits(stores, observer, POOL);
  let open!: () => void;
  const held = holdCounts(stores, new Promise<void>((r) => (open = r)));
  const outcomes = Promise.allSettled([a(), b()]);
  for (let i = 0; i < 500 && held.arrived() < 2 && (await waiting()) === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  open();
  return outcomes;
}

const refusals = (outcomes: PromiseSettledResult<unknown>[]) =>
  outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as { code?: string });

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: racing for the last seat under a group limit', () => {
    const db = useSchemas(url);

    async function open() {
      const schema = db.schema();
      const stores = await db.open({ schema, poolSize: POOL });
      const observer = await schemaClient(url, schema);
      return { stores, observer };
    }

    it('two accepts of a user one group below the limit: one passes, the other is a conflict', async () => {
      const { stores, observer } = await open();
      try {
        const [user, inviter] = [30, 31];
        await stores.db.query(`INSERT INTO groups (name, owner_id, created_at)
          SELECT 'bulk', ${inviter}, 0 FROM generate_series(1, ${GROUP_LIMITS.groupsPerUser - 1})`);
        await stores.db.query(`INSERT INTO group_members (group_id, user_id, status, updated_at)
          SELECT id, ${user}, 'accepted', 0 FROM groups WHERE name = 'bulk'`);
        const [g1, g2] = [await stores.groups.createGroup(inviter, 'one'), await stores.groups.createGroup(inviter, 'two')];
        await stores.groups.invite(g1.id, user, inviter);
        await stores.groups.invite(g2.id, user, inviter);

        const outcomes = await race(
          stores,
          observer,
          () => stores.groups.respond(g1.id, user, true),
          () => stores.groups.respond(g2.id, user, true),
        );
        expect(refusals(outcomes)).toEqual([expect.objectContaining({ code: 'conflict' })]);
        const accepted = (await stores.groups.groupsOf(user)).filter((g) => g.status === 'accepted');
        expect(accepted).toHaveLength(GROUP_LIMITS.groupsPerUser);
      } finally {
        await observer.end();
      }
    });

    it('two invitations into a group one seat below the limit: one passes, the other is a conflict', async () => {
      const { stores, observer } = await open();
      try {
        const owner = 10;
        const g = await stores.groups.createGroup(owner, 'nearly full');
        // The owner plus limit - 2 invitees: one seat left.
        await stores.db.query(`INSERT INTO group_members (group_id, user_id, status, updated_at)
          SELECT ${g.id}, 900000 + i, 'invited', 0 FROM generate_series(1, ${GROUP_LIMITS.membersPerGroup - 2}) AS i`);

        const outcomes = await race(
          stores,
          observer,
          () => stores.groups.invite(g.id, 11, owner),
          () => stores.groups.invite(g.id, 12, owner),
        );
        expect(refusals(outcomes)).toEqual([expect.objectContaining({ code: 'conflict' })]);
        expect((await stores.groups.members(g.id)).length).toBe(GROUP_LIMITS.membersPerGroup);
      } finally {
        await observer.end();
      }
    });
  });
});
