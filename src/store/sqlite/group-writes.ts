import type { Database } from 'better-sqlite3';
import { GROUP_SQL } from '../domain/groups.js';
import { INVITATION_SQL, type InvitationParams, type InviteeRow, invitation, noSuchGroup } from '../domain/invitations.js';
import type { Group, MemberStatus } from '../types.js';

/** The writes of Parlor's own groups (the rules of writes.ts; invitations: src/store/domain/invitations.ts). */
export function prepareGroupWrites(db: Database) {
  const insertGroup = db.prepare<[string, number, number], Group>(
    'INSERT INTO groups (name, owner_id, created_at) VALUES (?, ?, ?) RETURNING id, name, owner_id',
  );
  const insertOwner = db.prepare<[number, number, number]>(
    `INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at) VALUES (?, ?, 'accepted', NULL, ?)`,
  );
  const groupById = db.prepare<{ group: number }, Group>(GROUP_SQL);
  const inviteeOf = db.prepare<[number, number], InviteeRow>(
    'SELECT status, invite_count, invite_window_at FROM group_members WHERE group_id = ? AND user_id = ?',
  );
  const invitationStatement = {
    insert: db.prepare<InvitationParams>(INVITATION_SQL.insert),
    reopen: db.prepare<InvitationParams>(INVITATION_SQL.reopen),
  };
  const answer = db.prepare<[MemberStatus, number, number, number]>(
    `UPDATE group_members SET status = ?, updated_at = ?
     WHERE group_id = ? AND user_id = ? AND status = 'invited'`,
  );

  return {
    createGroup(ownerId: number, name: string, now: number): Group {
      const group = insertGroup.get(name, ownerId, now)!;
      insertOwner.run(group.id, ownerId, now);
      return { id: group.id, name: group.name, owner_id: group.owner_id };
    },

    invite(groupId: number, userId: number, invitedBy: number, now: number): void {
      if (groupById.get({ group: groupId }) === undefined) throw noSuchGroup(groupId);
      const { statement, ...window } = invitation(inviteeOf.get(groupId, userId), now, groupId, userId);
      // One writer and one transaction: no other invitation can come between the read and this write.
      invitationStatement[statement].run({ group: groupId, user: userId, by: invitedBy, now, ...window });
    },

    respond(groupId: number, userId: number, accept: boolean, now: number): boolean {
      return answer.run(accept ? 'accepted' : 'declined', now, groupId, userId).changes === 1;
    },
  };
}
