import type { Database } from 'better-sqlite3';
import { CONTACTS_SQL, GROUP_SQL, GROUPS_OF_SQL, MEMBER_STATUS_SQL, MEMBERS_SQL } from '../domain/groups.js';
import { MembershipCache } from '../membership-cache.js';
import type { GroupMember } from '../../websocket/group-member-fetcher.js';
import type { Notification } from '../../websocket/protocol.js';
import type { Group, GroupStore, MemberStatus, Notice } from '../types.js';
import { lazyStatement } from './lazy-statement.js';
import type { SqliteWriter } from './sqlite-writer.js';
import type { WriteCall } from './writes.js';

type ListedStatus = 'accepted' | 'invited';

export class SqliteGroupStore implements GroupStore {
  /** acceptedMembers per group (null: off); a committed `changeMembership` (accept, decline, leave: the only changes of who is accepted but createGroup's, which adds a new group) invalidates its group, told by the writer's afterCommit. */
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
    const cache = membershipCacheGroups === 0 ? null : new MembershipCache(membershipCacheGroups);
    this.membershipCache = cache;
    // Told before the write's promise settles: a read between the COMMIT and this point saw the new
    // members already, one before it is dropped (and a load under way is not kept: its epoch moved).
    if (cache) {
      writer.afterCommit((call) => {
        if (call[0] === 'changeMembership') cache.invalidate((call as WriteCall<'changeMembership'>)[1][0]);
      });
    }
    this.groupById = db.prepare<{ group: number }, Group>(GROUP_SQL);
    this.statusOf = db.prepare<{ group: number; user: number }, MemberStatus>(MEMBER_STATUS_SQL).pluck();
    this.accepted = db
      .prepare<[number], number>(
        `SELECT user_id FROM group_members WHERE group_id = ? AND status = 'accepted' ORDER BY user_id`,
      )
      .pluck();
    this.groupsOfUser = db.prepare<{ user: number }, { id: number; name: string; status: ListedStatus }>(GROUPS_OF_SQL);
    this.membersOf = db.prepare<{ group: number }, GroupMember>(MEMBERS_SQL);
    this.contacts = lazyStatement(() => db.prepare<{ user: number }, number>(CONTACTS_SQL).pluck());
  }

  createGroup(ownerId: number, name: string): Promise<Group> {
    return this.writer.run('createGroup', ownerId, name, this.now());
  }

  getGroup(groupId: number): Group | null {
    const g = this.groupById.get({ group: groupId });
    return g ? { id: g.id, name: g.name, owner_id: g.owner_id } : null;
  }

  groupsOf(userId: number): Array<{ id: number; name: string; status: ListedStatus }> {
    return this.groupsOfUser.all({ user: userId }).map((g) => ({ id: g.id, name: g.name, status: g.status }));
  }

  members(groupId: number): GroupMember[] {
    return this.membersOf.all({ group: groupId }).map((m) => ({ id: m.id, status: m.status }));
  }

  memberStatus(groupId: number, userId: number): MemberStatus | null {
    return this.statusOf.get({ group: groupId, user: userId }) ?? null;
  }

  invite(groupId: number, userId: number, invitedBy: number, notice?: Notice): Promise<Notification | undefined> {
    return this.writer.run('invite', groupId, userId, invitedBy, this.now(), notice ?? null);
  }

  respond(groupId: number, userId: number, accept: boolean): Promise<boolean> {
    return this.writer.run('changeMembership', groupId, userId, accept ? 'accept' : 'decline', this.now());
  }

  leave(groupId: number, userId: number): Promise<boolean> {
    return this.writer.run('changeMembership', groupId, userId, 'leave', this.now());
  }

  acceptedMembers(groupId: number): readonly number[] | null {
    if (!this.membershipCache) return this.loadAcceptedMembers(groupId);
    return this.membershipCache.members(groupId, () => this.loadAcceptedMembers(groupId));
  }

  private loadAcceptedMembers(groupId: number): readonly number[] | null {
    const ids = this.accepted.all(groupId);
    if (ids.length > 0) return ids;
    // Every group has its owner as an accepted member, but check rather than assume.
    return this.groupById.get({ group: groupId }) ? ids : null;
  }

  contactsOf(userId: number): readonly number[] {
    return this.contacts().all({ user: userId });
  }
}
