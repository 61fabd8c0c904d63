import type { Database } from 'better-sqlite3';
import { MembershipCache } from '../membership-cache.js';
import type { GroupMember } from '../../websocket/group-member-fetcher.js';
import type { Group, GroupStore, MemberStatus } from '../types.js';
import { lazyStatement } from './lazy-statement.js';
import type { SqliteWriter } from './sqlite-writer.js';

type ListedStatus = 'accepted' | 'invited';

export class SqliteGroupStore implements GroupStore {
  /** acceptedMembers per group (null: off); `respond` (the only change of who is accepted) invalidates its group. */
  readonly membershipCache: MembershipCache | null;
  private readonly groupById;
  private readonly statusOf;
  private readonly accepted;
  private readonly groupsOfUser;
  private readonly membersOf;
  private readonly contacts;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
    membershipCacheGroups?: number,
  ) {
    this.membershipCache = membershipCacheGroups === 0 ? null : new MembershipCache(membershipCacheGroups);
    this.groupById = db.prepare<[number], Group>('SELECT id, name, owner_id FROM groups WHERE id = ?');
    this.statusOf = db
      .prepare<[number, number], MemberStatus>('SELECT status FROM group_members WHERE group_id = ? AND user_id = ?')
      .pluck();
    this.accepted = db
      .prepare<[number], number>(
        `SELECT user_id FROM group_members WHERE group_id = ? AND status = 'accepted' ORDER BY user_id`,
      )
      .pluck();
    this.groupsOfUser = db.prepare<[number], { id: number; name: string; status: ListedStatus }>(
      `SELECT g.id, g.name, gm.status
       FROM group_members gm JOIN groups g ON g.id = gm.group_id
       WHERE gm.user_id = ? AND gm.status IN ('accepted', 'invited')
       ORDER BY g.id`,
    );
    this.membersOf = db.prepare<[number], GroupMember>(
      `SELECT user_id AS id, status FROM group_members
       WHERE group_id = ? AND status IN ('accepted', 'invited')
       ORDER BY user_id`,
    );
    // Both sides accepted in a shared group, or a private conversation both
    // have written in (private_writers, kept by a trigger on messages); never
    // a user blocked either way (contract section 6).
    this.contacts = lazyStatement(() =>
      db
        .prepare<{ user: number }, number>(
          `SELECT c.id FROM (
             SELECT other.user_id AS id
             FROM group_members me
             JOIN group_members other ON other.group_id = me.group_id AND other.status = 'accepted'
             WHERE me.user_id = @user AND me.status = 'accepted' AND other.user_id <> @user
             UNION
             SELECT w.peer_id FROM private_writers w
             JOIN private_writers back ON back.user_id = w.peer_id AND back.peer_id = @user
             WHERE w.user_id = @user AND w.peer_id <> @user
           ) c
           WHERE NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = @user AND blocked_id = c.id)
             AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = c.id AND blocked_id = @user)
           ORDER BY 1`,
        )
        .pluck(),
    );
  }

  createGroup(ownerId: number, name: string): Promise<Group> {
    return this.writer.run('createGroup', ownerId, name, this.now());
  }

  getGroup(groupId: number): Group | null {
    const g = this.groupById.get(groupId);
    return g ? { id: g.id, name: g.name, owner_id: g.owner_id } : null;
  }

  groupsOf(userId: number): Array<{ id: number; name: string; status: ListedStatus }> {
    return this.groupsOfUser.all(userId).map((g) => ({ id: g.id, name: g.name, status: g.status }));
  }

  members(groupId: number): GroupMember[] {
    return this.membersOf.all(groupId).map((m) => ({ id: m.id, status: m.status }));
  }

  memberStatus(groupId: number, userId: number): MemberStatus | null {
    return this.statusOf.get(groupId, userId) ?? null;
  }

  invite(groupId: number, userId: number, invitedBy: number): Promise<void> {
    return this.writer.run('invite', groupId, userId, invitedBy, this.now());
  }

  respond(groupId: number, userId: number, accept: boolean): Promise<boolean> {
    // Invalidated when the answer is back, committed or not: a read between the
    // COMMIT and this point already saw the new members, one before it is dropped.
    return this.writer.run('respond', groupId, userId, accept, this.now()).finally(() => this.membershipCache?.invalidate(groupId));
  }

  acceptedMembers(groupId: number): readonly number[] | null {
    if (!this.membershipCache) return this.loadAcceptedMembers(groupId);
    return this.membershipCache.members(groupId, () => this.loadAcceptedMembers(groupId));
  }

  private loadAcceptedMembers(groupId: number): readonly number[] | null {
    const ids = this.accepted.all(groupId);
    if (ids.length > 0) return ids;
    // Every group has its owner as an accepted member, but check rather than assume.
    return this.groupById.get(groupId) ? ids : null;
  }

  contactsOf(userId: number): readonly number[] {
    return this.contacts().all({ user: userId });
  }
}
