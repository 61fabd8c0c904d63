/**
 * The limits of Parlor's own groups (src/store/domain/group-limits.ts), on
 * both stores: members per group, groups per user, pending invitations per
 * user. Each test first fills a count to its limit with plain SQL (the same
 * statements in both dialects), then checks that the write past it is a
 * `conflict` that stored nothing, and that the write up to it passes.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_LIMITS } from '../../src/store/domain/group-limits.js';
import type { Stores } from '../../src/store/types.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';
import { expectParlorError } from './contract/context.js';
import { useTempDir } from './sqlite-support.js';

type Exec = (sql: string) => Promise<unknown>;

/** `count` rows from 1 to count, in either dialect. */
const numbers = (count: number) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})`;

/**
 * `count` groups owned by `owner`, each with `user` in it as `status`: the user's count brought up in one statement each.
 * `invitedBy` is recorded as the inviter of each (none: NULL, as rows from before migration 001 recorded it).
 */
async function joinBulk(
  exec: Exec,
  tag: string,
  count: number,
  owner: number,
  user: number,
  status: 'invited' | 'accepted',
  invitedBy: number | null = null,
): Promise<void> {
  await exec(`${numbers(count)} INSERT INTO groups (name, owner_id, created_at) SELECT '${tag}', ${owner}, 0 FROM n`);
  await exec(`INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at)
    SELECT id, ${user}, '${status}', ${invitedBy ?? 'NULL'}, 0 FROM groups WHERE name = '${tag}'`);
}

/** `count` invitees (ids from `firstId + 1`) in one group. */
async function inviteBulk(exec: Exec, groupId: number, count: number, firstId: number): Promise<void> {
  await exec(`${numbers(count)} INSERT INTO group_members (group_id, user_id, status, updated_at)
    SELECT ${groupId}, ${firstId} + i, 'invited', 0 FROM n`);
}

function limitCases(setup: () => Promise<{ stores: Stores; exec: Exec }>) {
  it('members per group: the invitation past the limit is a conflict and stores nothing', async () => {
    const { stores, exec } = await setup();
    const owner = 10;
    const g = await stores.groups.createGroup(owner, 'full');
    // The owner plus limit - 2 invitees: one seat left.
    await inviteBulk(exec, g.id, GROUP_LIMITS.membersPerGroup - 2, 900000);
    await stores.groups.invite(g.id, 11, owner);
    await expectParlorError(() => stores.groups.invite(g.id, 12, owner), 'conflict');
    expect(await stores.groups.memberStatus(g.id, 12)).toBeNull();
  });

  it('pending invitations per user: one past the limit is a conflict; answering one makes room', async () => {
    const { stores, exec } = await setup();
    const [owner, invitee] = [20, 21];
    await joinBulk(exec, 'bulk-pending', GROUP_LIMITS.pendingInvitesPerUser - 1, owner, invitee, 'invited');
    const last = await stores.groups.createGroup(owner, 'last seat');
    await stores.groups.invite(last.id, invitee, owner);
    const over = await stores.groups.createGroup(owner, 'over');
    await expectParlorError(() => stores.groups.invite(over.id, invitee, owner), 'conflict');
    expect(await stores.groups.memberStatus(over.id, invitee)).toBeNull();
    expect(await stores.groups.respond(last.id, invitee, false)).toBe(true);
    await stores.groups.invite(over.id, invitee, owner);
  });

  it("pending invitations per user: those from inviters the user blocks do not count, so strangers cannot lock a user's friends out", async () => {
    const { stores, exec } = await setup();
    const [stranger, friend, invitee] = [50, 51, 52];
    // A stranger's invitations fill every pending slot (how they got there: many accounts, each within its own limit).
    await joinBulk(exec, 'bulk-stranger', GROUP_LIMITS.pendingInvitesPerUser, stranger, invitee, 'invited', stranger);
    const club = await stores.groups.createGroup(friend, 'club');
    await expectParlorError(() => stores.groups.invite(club.id, invitee, friend), 'conflict');
    expect(await stores.consent!.block(invitee, stranger)).toBe(true);
    await stores.groups.invite(club.id, invitee, friend);
    // The stranger's invitations stay pending (a block withdraws nothing); they only stop counting.
    expect((await stores.groups.groupsOf(invitee)).filter((g) => g.status === 'invited')).toHaveLength(GROUP_LIMITS.pendingInvitesPerUser + 1);
    // Unblocked, they count again: the count is past the limit, and the next invitation is refused.
    expect(await stores.consent!.unblock(invitee, stranger)).toBe(true);
    const another = await stores.groups.createGroup(friend, 'another');
    await expectParlorError(() => stores.groups.invite(another.id, invitee, friend), 'conflict');
    expect(await stores.groups.memberStatus(another.id, invitee)).toBeNull();
  });

  it('a count already past its limit (data from before the limits) refuses only the writes that raise it', async () => {
    const { stores, exec } = await setup();
    const [owner, invitee] = [40, 41];
    const crowded = await stores.groups.createGroup(owner, 'crowded');
    await inviteBulk(exec, crowded.id, GROUP_LIMITS.membersPerGroup + 10, 800000);
    // Accepting adds no member (the invitee was counted already): allowed.
    expect(await stores.groups.respond(crowded.id, 800001, true)).toBe(true);
    // A new invitation would add one: refused.
    await expectParlorError(() => stores.groups.invite(crowded.id, invitee, owner), 'conflict');
    // A user with more pending invitations than the limit may still accept one.
    await joinBulk(exec, 'bulk-over', GROUP_LIMITS.pendingInvitesPerUser + 5, owner, invitee, 'invited');
    const [one] = (await stores.groups.groupsOf(invitee)).filter((g) => g.status === 'invited');
    expect(await stores.groups.respond(one!.id, invitee, true)).toBe(true);
  });

  it('groups per user: creating or accepting past the limit is a conflict and changes nothing', async () => {
    const { stores, exec } = await setup();
    const [user, inviter] = [30, 31];
    await joinBulk(exec, 'bulk-joined', GROUP_LIMITS.groupsPerUser - 1, inviter, user, 'accepted');
    const invitedTo = await stores.groups.createGroup(inviter, 'one more');
    await stores.groups.invite(invitedTo.id, user, inviter);
    await stores.groups.createGroup(user, 'the last one');
    await expectParlorError(() => stores.groups.createGroup(user, 'past the limit'), 'conflict');
    expect((await stores.groups.groupsOf(user)).filter((g) => g.name === 'past the limit')).toEqual([]);
    await expectParlorError(() => stores.groups.respond(invitedTo.id, user, true), 'conflict');
    expect(await stores.groups.memberStatus(invitedTo.id, user)).toBe('invited');
    expect(await stores.groups.respond(invitedTo.id, user, false)).toBe(true);
  });
}

describe('group limits: sqlite', () => {
  const tmp = useTempDir();
  limitCases(async () => {
    const stores = tmp.open({ writer: 'inline' });
    return { stores, exec: async (sql) => stores.db.exec(sql) };
  });
});

await describeWithPostgres('group limits: postgres', (url) => {
  const db = useSchemas(url);
  limitCases(async () => {
    const stores = await db.open({ schema: db.schema() });
    return { stores, exec: (sql) => stores.db.query(sql) };
  });
});
