/**
 * Parlor's own groups: the statements both stores make with the same SQL
 * (the invitations have their own module, invitations.ts). Parameters:
 * @user, @group, and the others each statement names.
 */
import type { Dialect } from '../dialect.js';

/**
 * A group is created together with its owner's accepted membership, in one
 * transaction: CREATE_GROUP (@name, @owner) returning the group, then
 * ADD_OWNER (@group, @user).
 */
export function createGroupSql(d: Dialect): { group: string; owner: string } {
  return {
    group: `INSERT INTO groups (name, owner_id, created_at) VALUES (@name, @owner, ${d.now}) RETURNING id, name, owner_id`,
    owner: `INSERT INTO group_members (group_id, user_id, status, updated_at) VALUES (@group, @user, 'accepted', ${d.now})`,
  };
}

/**
 * Every change of one member's status after the invitation, in both stores:
 * @user's row in @group moves from @from to @status, and only while it is
 * still @from, so a second answer (or a second leave) changes nothing. What
 * each change passes is MEMBERSHIP_CHANGES.
 */
export function changeMembershipSql(d: Dialect): string {
  return `UPDATE group_members SET status = @status, updated_at = ${d.now}
    WHERE group_id = @group AND user_id = @user AND status = @from`;
}

/** The parameters of changeMembershipSql but the group and the user. */
export type MembershipChange = { from: 'invited' | 'accepted'; status: 'accepted' | 'declined' };

/**
 * What each change writes. Accepting or declining answers a pending
 * invitation. Leaving stores the member as `declined`: out of the group,
 * its lists and its routing, and free to be invited again (within
 * INVITE_LIMIT) like a user who declined; the group's history stays.
 */
export const MEMBERSHIP_CHANGES = {
  accept: { from: 'invited', status: 'accepted' },
  decline: { from: 'invited', status: 'declined' },
  leave: { from: 'accepted', status: 'declined' },
} as const satisfies Record<string, MembershipChange>;
export type MembershipChangeName = keyof typeof MEMBERSHIP_CHANGES;

/** Groups the user is invited to or has accepted, oldest first. */
export const GROUPS_OF_SQL = `SELECT g.id, g.name, gm.status
  FROM group_members gm JOIN groups g ON g.id = gm.group_id
  WHERE gm.user_id = @user AND gm.status IN ('accepted', 'invited')
  ORDER BY g.id`;

/** Members invited or accepted (declined ones are left out), by id. */
export const MEMBERS_SQL = `SELECT user_id AS id, status FROM group_members
  WHERE group_id = @group AND status IN ('accepted', 'invited')
  ORDER BY user_id`;

export const GROUP_SQL = 'SELECT id, name, owner_id FROM groups WHERE id = @group';

export const MEMBER_STATUS_SQL = 'SELECT status FROM group_members WHERE group_id = @group AND user_id = @user';

/**
 * True when `a` and `b` are both accepted in one group (group_members_by_user):
 * part of contactsOf, of the relation of a private message, and of what makes
 * a conversation a request.
 */
export const SHARE_AN_ACCEPTED_GROUP = (a: string, b: string): string => `EXISTS (SELECT 1 FROM group_members me
      JOIN group_members other ON other.group_id = me.group_id AND other.user_id = ${b} AND other.status = 'accepted'
      WHERE me.user_id = ${a} AND me.status = 'accepted')`;

/** Users accepted in a group @user is accepted in. */
const GROUP_MATES = `SELECT other.user_id AS id
     FROM group_members me
     JOIN group_members other ON other.group_id = me.group_id AND other.status = 'accepted'
     WHERE me.user_id = @user AND me.status = 'accepted' AND other.user_id <> @user`;

/** Users with whom @user has a private conversation both have written in (private_writers). */
const MUTUAL_WRITERS = `SELECT w.peer_id AS id FROM private_writers w
     JOIN private_writers back ON back.user_id = w.peer_id AND back.peer_id = @user
     WHERE w.user_id = @user AND w.peer_id <> @user`;

/** The ids of `ids` (a query with an `id` column) but those blocked either way by @user, in order. */
const notBlocked = (ids: string): string => `SELECT c.id FROM (${ids}) c
   WHERE NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = @user AND blocked_id = c.id)
     AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = c.id AND blocked_id = @user)
   ORDER BY 1`;

/**
 * Both sides accepted in a shared group, or a private conversation both have
 * written in (private_writers, kept by a trigger on messages); never a user
 * blocked either way (contract section 6).
 */
export const CONTACTS_SQL = notBlocked(`${GROUP_MATES} UNION ${MUTUAL_WRITERS}`);

/** The private half of CONTACTS_SQL: what Parlor adds to a host's group contacts (ConsentStore.privateContactsOf). */
export const PRIVATE_CONTACTS_SQL = notBlocked(MUTUAL_WRITERS);
