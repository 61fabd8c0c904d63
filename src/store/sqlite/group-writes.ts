import type { Database } from 'better-sqlite3';
import { sqliteDialect } from '../dialect.js';
import {
  changeMembershipSql,
  createGroupSql,
  GROUP_SQL,
  MEMBER_STATUS_SQL,
  MEMBERSHIP_CHANGES,
  type MembershipChange,
  type MembershipChangeName,
} from '../domain/groups.js';
import { GROUP_COUNTS_SQL, type GroupCountParams, type GroupCounts, type GroupWrite, refusePastLimits } from '../domain/group-limits.js';
import { INVITATION_SQL, type InvitationParams, type InviteeRow, invitation, noSuchGroup } from '../domain/invitations.js';
import type { Notification } from '../../websocket/protocol.js';
import type { Group, MemberStatus, Notice } from '../types.js';
import { lazyStatement } from './lazy-statement.js';
import { prepareNotificationInsert } from './notification-writes.js';

/** The writes of Parlor's own groups (the rules of writes.ts; invitations: src/store/domain/invitations.ts). */
export function prepareGroupWrites(db: Database) {
  const create = createGroupSql(sqliteDialect);
  const insertGroup = db.prepare<{ name: string; owner: number; now: number }, Group>(create.group);
  const insertOwner = db.prepare<{ group: number; user: number; now: number }>(create.owner);
  const groupById = db.prepare<{ group: number }, Group>(GROUP_SQL);
  const statusOf = db.prepare<{ group: number; user: number }, MemberStatus>(MEMBER_STATUS_SQL).pluck();
  const inviteeOf = db.prepare<[number, number], InviteeRow>(
    'SELECT status, invite_count, invite_window_at FROM group_members WHERE group_id = ? AND user_id = ?',
  );
  const invitationStatement = {
    insert: db.prepare<InvitationParams>(INVITATION_SQL.insert),
    reopen: db.prepare<InvitationParams>(INVITATION_SQL.reopen),
  };
  const insertNotification = prepareNotificationInsert(db);
  // Lazy: the counts read user_blocks (migration 007).
  const countsOf = lazyStatement(() => db.prepare<GroupCountParams, GroupCounts>(GROUP_COUNTS_SQL));
  /** After a write that added a membership (`by`: an invitation's inviter): past a limit, the throw rolls the item back (its savepoint). */
  const withinLimits = (write: GroupWrite, groupId: number, userId: number, by: number | null = null) =>
    refusePastLimits(write, countsOf().get({ user: userId, group: groupId, by })!, groupId, userId);
  const change = db.prepare<MembershipChange & { group: number; user: number; now: number }>(changeMembershipSql(sqliteDialect));

  return {
    createGroup(ownerId: number, name: string, now: number): Group {
      const group = insertGroup.get({ name, owner: ownerId, now })!;
      insertOwner.run({ group: group.id, user: ownerId, now });
      withinLimits('create', group.id, ownerId);
      return { id: group.id, name: group.name, owner_id: group.owner_id };
    },

    /** With a notice, its notification is stored in the same item (one savepoint: both or neither). */
    invite(groupId: number, userId: number, invitedBy: number, now: number, notice: Notice | null): Notification | undefined {
      if (groupById.get({ group: groupId }) === undefined) throw noSuchGroup(groupId);
      const rows = { inviter: statusOf.get({ group: groupId, user: invitedBy }), invitee: inviteeOf.get(groupId, userId) };
      const { statement, ...window } = invitation(rows, now, groupId, userId);
      // One writer and one transaction: no other invitation, leave or removal can come between the reads and this write.
      invitationStatement[statement].run({ group: groupId, user: userId, by: invitedBy, now, ...window });
      withinLimits('invite', groupId, userId, invitedBy);
      return notice ? insertNotification(userId, notice.subtype, notice.message, notice.data, now) : undefined;
    },

    /** An answer to an invitation, or leaving: false when the member's status was not the one it changes. */
    changeMembership(groupId: number, userId: number, what: MembershipChangeName, now: number): boolean {
      const changed = change.run({ ...MEMBERSHIP_CHANGES[what], group: groupId, user: userId, now }).changes === 1;
      if (changed && what === 'accept') withinLimits('accept', groupId, userId);
      return changed;
    },
  };
}
