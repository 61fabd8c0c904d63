/**
 * How big Parlor's own groups may get, so that what one user can make costs
 * everyone a bounded amount: a `sync` or a contacts lookup reads every group
 * of the user, a member list every member of the group, the group list every
 * pending invitation. Checked by both stores after each write that adds a
 * membership, inside that write's transaction: a write past a limit is
 * rolled back with `conflict`. The limits are exact on both stores: SQLite
 * has one writer, and PostgreSQL takes a lock per raised count before it
 * reads them (`LIMIT_LOCKS` in postgres/group-store.ts).
 *
 * A user's pending invitations are a limit others fill, since anyone may
 * invite anyone: so one inviter holds at most `pendingInvitesPerInviter` of
 * them, and those from inviters the user blocks (who can send no more) do
 * not count, so that strangers cannot keep the user's friends from inviting.
 */
import { ParlorError } from '../../errors.js';

export const GROUP_LIMITS = {
  /** Members of one group, accepted or invited. */
  membersPerGroup: 5000,
  /** Groups one user has accepted (own groups included). */
  groupsPerUser: 1000,
  /** Invitations one user has not answered yet, but those from inviters the user blocks. */
  pendingInvitesPerUser: 100,
  /** Invitations one user has not answered yet from one inviter (to as many groups). */
  pendingInvitesPerInviter: 10,
} as const;

/** What GROUP_COUNTS_SQL reads: each count stops one past its limit. */
export interface GroupCounts {
  acceptedGroups: number;
  pendingInvites: number;
  pendingFromInviter: number;
  members: number;
}

/** GROUP_COUNTS_SQL's parameters: `by` is the inviter of an invitation, null for the other writes (pendingFromInviter is then 0). */
export type GroupCountParams = { user: number; group: number; by: number | null };

/**
 * The counts for @user, @group and @by (0 for none), each read through an
 * index (group_members_by_user, the primary keys) and capped, so each count
 * stops at limit + 1 of the rows it counts. The two pending counts walk the
 * user's pending invitations: those it skips are the ones from inviters the
 * user blocks (at most pendingInvitesPerInviter from each of at most 1,000
 * blocked users, and the user's own choice) or from other inviters.
 */
export const GROUP_COUNTS_SQL = `SELECT
  (SELECT CAST(count(*) AS INTEGER) FROM (SELECT 1 FROM group_members WHERE user_id = @user AND status = 'accepted'
    LIMIT ${GROUP_LIMITS.groupsPerUser + 1}) AS a) AS "acceptedGroups",
  (SELECT CAST(count(*) AS INTEGER) FROM (SELECT 1 FROM group_members gm WHERE gm.user_id = @user AND gm.status = 'invited'
      AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = @user AND b.blocked_id = gm.invited_by)
    LIMIT ${GROUP_LIMITS.pendingInvitesPerUser + 1}) AS p) AS "pendingInvites",
  (SELECT CAST(count(*) AS INTEGER) FROM (SELECT 1 FROM group_members WHERE user_id = @user AND status = 'invited' AND invited_by = @by
    LIMIT ${GROUP_LIMITS.pendingInvitesPerInviter + 1}) AS i) AS "pendingFromInviter",
  (SELECT CAST(count(*) AS INTEGER) FROM (SELECT 1 FROM group_members WHERE group_id = @group AND status IN ('accepted', 'invited')
    LIMIT ${GROUP_LIMITS.membersPerGroup + 1}) AS m) AS members`;

/** Which counts a write raises: only those are held against it (a count already past its limit, from before the limits, does not refuse a write that does not raise it). */
export type GroupWrite = 'create' | 'invite' | 'accept';

const RAISES: Record<GroupWrite, ReadonlyArray<keyof GroupCounts>> = {
  create: ['acceptedGroups'], // the owner's new group: one member, the owner
  invite: ['members', 'pendingInvites', 'pendingFromInviter'],
  accept: ['acceptedGroups'], // the member was counted as an invitee already
};

/** Throws `conflict` when `write` took a count it raises past its limit (the caller's transaction then rolls it back). */
export function refusePastLimits(write: GroupWrite, counts: GroupCounts, groupId: number, userId: number): void {
  const raised = RAISES[write];
  const c: GroupCounts = { acceptedGroups: 0, pendingInvites: 0, pendingFromInviter: 0, members: 0 };
  for (const key of raised) c[key] = counts[key];
  if (c.members > GROUP_LIMITS.membersPerGroup) {
    throw new ParlorError('conflict', `group ${groupId} is full: at most ${GROUP_LIMITS.membersPerGroup} members and invitees`);
  }
  if (c.acceptedGroups > GROUP_LIMITS.groupsPerUser) {
    throw new ParlorError('conflict', `user ${userId} is already in ${GROUP_LIMITS.groupsPerUser} groups, the most one user may be in`);
  }
  if (c.pendingFromInviter > GROUP_LIMITS.pendingInvitesPerInviter) {
    throw new ParlorError(
      'conflict',
      `user ${userId} has not answered ${GROUP_LIMITS.pendingInvitesPerInviter} of your invitations yet, the most one user may have waiting from you`,
    );
  }
  if (c.pendingInvites > GROUP_LIMITS.pendingInvitesPerUser) {
    throw new ParlorError('conflict', `user ${userId} has ${GROUP_LIMITS.pendingInvitesPerUser} invitations to answer already; try again later`);
  }
}
