import { postgresDialect } from '../dialect.js';
import {
  changeMembershipSql,
  CONTACTS_SQL,
  createGroupSql,
  GROUP_SQL,
  GROUPS_OF_SQL,
  MEMBER_STATUS_SQL,
  MEMBERS_SQL,
  MEMBERSHIP_CHANGES,
  type MembershipChange,
  type MembershipChangeName,
} from '../domain/groups.js';
import { INVITATION_SQL, type InvitationParams, type InvitationRows, alreadyInGroup, invitation, noSuchGroup } from '../domain/invitations.js';
import type { MembershipCache } from '../membership-cache.js';
import type { GroupMember } from '../../websocket/group-member-fetcher.js';
import type { Notification } from '../../websocket/protocol.js';
import type { Group, GroupStore, MemberStatus, Notice } from '../types.js';
import type { PgDatabase, Queryable } from './database.js';
import { GROUP_COUNTS_SQL, type GroupCountParams, type GroupCounts, type GroupWrite, refusePastLimits } from '../domain/group-limits.js';
import { positional, type PositionalStatement } from './named-params.js';
import { insertNotification } from './notification-store.js';
import { isUniqueViolation } from './sql-errors.js';

const GROUP = positional<{ group: number }>(GROUP_SQL);
const GROUPS_OF = positional<{ user: number }>(GROUPS_OF_SQL);
const MEMBERS = positional<{ group: number }>(MEMBERS_SQL);
const MEMBER_STATUS = positional<{ group: number; user: number }>(MEMBER_STATUS_SQL);
const CONTACTS = positional<{ user: number }>(CONTACTS_SQL);
const CREATE = createGroupSql(postgresDialect);
const COUNTS = positional<GroupCountParams>(GROUP_COUNTS_SQL);

/** An advisory lock's key for one count of this schema: `what` is 'group' or 'user', `id` its parameter. */
const countKey = (what: 'group' | 'user', id: string) => `hashtextextended(current_schema() || ':group-limits:${what}:' || ${id}, 0)`;

/**
 * The locks a write takes before it reads its counts, held until it commits.
 * Two writes raising the same count (another instance's, or another
 * connection's) then take turns, and the second counts what the first wrote:
 * without them both would count only their own row and both pass the last
 * seat. Advisory locks, because a host-owned user has no row here; keyed by
 * the schema, so two Parlors in one database never wait for each other. An
 * invitation takes the group's before the user's, in one statement, and no
 * write takes them the other way round, so no two writes wait in a circle.
 */
const LIMIT_LOCKS: Record<GroupWrite, PositionalStatement<{ user: number; group: number }>> = {
  create: positional(`SELECT pg_advisory_xact_lock(${countKey('user', '@user')})`),
  accept: positional(`SELECT pg_advisory_xact_lock(${countKey('user', '@user')})`),
  invite: positional(`SELECT pg_advisory_xact_lock(${countKey('group', '@group')}), pg_advisory_xact_lock(${countKey('user', '@user')})`),
};

/** After a write that added a membership (`by`: an invitation's inviter), in its transaction: past a limit, the throw rolls it back. */
async function withinLimits(q: Queryable, write: GroupWrite, groupId: number, userId: number, by: number | null = null): Promise<void> {
  const lock = LIMIT_LOCKS[write];
  await q.query(lock.text, lock.values({ user: userId, group: groupId }));
  const counts = (await q.query<GroupCounts>(COUNTS.text, COUNTS.values({ user: userId, group: groupId, by }))).rows[0]!;
  refusePastLimits(write, counts, groupId, userId);
}
const INSERT_GROUP = positional<{ name: string; owner: number }>(CREATE.group);
const INSERT_OWNER = positional<{ group: number; user: number }>(CREATE.owner);
type Change = MembershipChange & { group: number; user: number };
const CHANGE = positional<Change>(changeMembershipSql(postgresDialect));
/** The change and, exactly when it commits, the NOTIFY every instance's membership cache listens for. */
const CHANGE_AND_NOTIFY = positional<Change & { channel: string }>(
  `WITH changed AS (${changeMembershipSql(postgresDialect)} RETURNING group_id) SELECT pg_notify(@channel, group_id::text) FROM changed`,
);
const INSERT_INVITEE = positional<InvitationParams>(INVITATION_SQL.insert);
const REOPEN_INVITEE = positional<InvitationParams>(INVITATION_SQL.reopen);

/**
 * What an invitation is decided on, in one round trip: whether the group
 * exists, the clock, and the inviter's and the invitee's rows (a row each
 * that exists, flagged `is_inviter` / `is_invitee`; one row of NULLs when
 * neither does). Both rows are locked until the invitation commits:
 * - the invitee's: another invitation of the same user to the same group
 *   (another instance) waits, then decides on what this one wrote, so the
 *   re-invitation count is never written from a stale read (two racing
 *   re-invitations after a decline would each count from the same number,
 *   and let a fourth through the window);
 * - the inviter's: a leave or a removal of the inviter waits for the
 *   invitation (which then came first), or the invitation waits for it and
 *   reads the inviter's status it committed (`forbidden`).
 * One statement locks both in user id order (ORDER BY comes before the
 * lock), so two members inviting each other at once never wait in a circle,
 * as a lock of the invitee's row then the inviter's would. One locking
 * clause, so the inviter's row is locked FOR UPDATE too (not FOR SHARE): one
 * member's invitations into one group take turns, as they do at the group's
 * limit lock (LIMIT_LOCKS) anyway.
 */
const INVITATION_ROWS = positional<{ group: number; user: number; by: number }>(`SELECT parlor_now_ms() AS now,
    EXISTS (SELECT 1 FROM groups WHERE id = @group) AS group_exists,
    gm.user_id = @by AS is_inviter, gm.user_id = @user AS is_invitee,
    gm.status, gm.invite_count, gm.invite_window_at::float8 AS invite_window_at
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (
    SELECT user_id, status, invite_count, invite_window_at FROM group_members
    WHERE group_id = @group AND user_id IN (@user, @by) ORDER BY user_id FOR UPDATE
  ) AS gm ON true`);

/** One row of INVITATION_ROWS: all but the first two columns NULL when neither member row exists. */
interface InvitationRow {
  now: number;
  group_exists: boolean;
  is_inviter: boolean | null;
  is_invitee: boolean | null;
  status: MemberStatus | null;
  invite_count: number;
  invite_window_at: number;
}

/** The two rows as invitation() takes them. */
function invitationRows(rows: readonly InvitationRow[]): InvitationRows {
  const inviter = rows.find((r) => r.is_inviter);
  const invitee = rows.find((r) => r.is_invitee);
  return {
    inviter: inviter?.status ?? undefined,
    invitee: invitee?.status ? { status: invitee.status, invite_count: invitee.invite_count, invite_window_at: invitee.invite_window_at } : undefined,
  };
}

type ListedStatus = 'accepted' | 'invited';

export class PgGroupStore implements GroupStore {
  /**
   * @param membershipCache acceptedMembers per group, kept honest by a
   *   MembershipListener on `channel` (and by respond() and leave() on this instance).
   * @param channel where respond() and leave() send their NOTIFY.
   */
  constructor(
    private readonly db: PgDatabase,
    readonly membershipCache: MembershipCache | null = null,
    private readonly channel: string | null = null,
  ) {}

  /** The group and its owner's accepted membership, in one transaction. */
  createGroup(ownerId: number, name: string): Promise<Group> {
    return this.db.transaction(async (client) => {
      const group = (await client.query<Group>(INSERT_GROUP.text, INSERT_GROUP.values({ name, owner: ownerId }))).rows[0]!;
      await client.query(INSERT_OWNER.text, INSERT_OWNER.values({ group: group.id, user: ownerId }));
      await withinLimits(client, 'create', group.id, ownerId);
      return { id: group.id, name: group.name, owner_id: group.owner_id };
    });
  }

  async getGroup(groupId: number): Promise<Group | null> {
    const [g] = await this.db.rows<Group>(GROUP.text, GROUP.values({ group: groupId }));
    return g ? { id: g.id, name: g.name, owner_id: g.owner_id } : null;
  }

  groupsOf(userId: number): Promise<Array<{ id: number; name: string; status: ListedStatus }>> {
    return this.db.rows(GROUPS_OF.text, GROUPS_OF.values({ user: userId }));
  }

  members(groupId: number): Promise<GroupMember[]> {
    return this.db.rows(MEMBERS.text, MEMBERS.values({ group: groupId }));
  }

  async memberStatus(groupId: number, userId: number): Promise<MemberStatus | null> {
    const [row] = await this.db.rows<{ status: MemberStatus }>(MEMBER_STATUS.text, MEMBER_STATUS.values({ group: groupId, user: userId }));
    return row?.status ?? null;
  }

  /**
   * One transaction (src/store/domain/invitations.ts decides what it writes).
   * Two invitations of the same user racing: the second insert hits the
   * primary key (or finds no declined row to reopen) and is the same conflict
   * a sequential second invitation gets.
   */
  invite(groupId: number, userId: number, invitedBy: number, notice?: Notice): Promise<Notification | undefined> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<InvitationRow>(INVITATION_ROWS.text, INVITATION_ROWS.values({ group: groupId, user: userId, by: invitedBy }));
      if (!rows[0]!.group_exists) throw noSuchGroup(groupId);
      const now = Number(rows[0]!.now);
      const { statement, ...window } = invitation(invitationRows(rows), now, groupId, userId);
      const params: InvitationParams = { group: groupId, user: userId, by: invitedBy, now, ...window };
      if (statement === 'reopen') {
        const reopened = await client.query(REOPEN_INVITEE.text, REOPEN_INVITEE.values(params));
        if (reopened.rowCount !== 1) throw alreadyInGroup(groupId, userId);
      } else {
        try {
          await client.query(INSERT_INVITEE.text, INSERT_INVITEE.values(params));
        } catch (err) {
          if (isUniqueViolation(err)) throw alreadyInGroup(groupId, userId);
          throw err;
        }
      }
      await withinLimits(client, 'invite', groupId, userId, invitedBy);
      // The invitee's notification commits with the invitation, or neither does.
      return notice ? insertNotification(client, userId, notice) : undefined;
    });
  }

  respond(groupId: number, userId: number, accept: boolean): Promise<boolean> {
    return this.changeMembership(groupId, userId, accept ? 'accept' : 'decline');
  }

  leave(groupId: number, userId: number): Promise<boolean> {
    return this.changeMembership(groupId, userId, 'leave');
  }

  /**
   * Every instance's membership cache hears of the change: the NOTIFY is part
   * of the statement, so it is sent exactly when the UPDATE commits.
   */
  private async changeMembership(groupId: number, userId: number, what: MembershipChangeName): Promise<boolean> {
    const change: Change = { ...MEMBERSHIP_CHANGES[what], group: groupId, user: userId };
    const run = async (q: Queryable): Promise<boolean> => {
      const result = this.channel
        ? await q.query(CHANGE_AND_NOTIFY.text, CHANGE_AND_NOTIFY.values({ ...change, channel: this.channel }))
        : await q.query(CHANGE.text, CHANGE.values(change));
      const changed = result.rowCount === 1;
      if (changed && what === 'accept') await withinLimits(q, 'accept', groupId, userId);
      return changed;
    };
    try {
      // An accept adds a membership: checked in its transaction (the NOTIFY leaves only if it commits).
      return what === 'accept' ? await this.db.transaction(run) : await run(this.db);
    } finally {
      this.membershipCache?.invalidate(groupId);
    }
  }

  /**
   * Accepted members' ids; null when the group does not exist. Cached while
   * the listener listens; lookups of a group whose load is under way join it,
   * listening or not (MembershipCache.membersAsync).
   */
  acceptedMembers(groupId: number): Promise<readonly number[] | null> {
    if (!this.membershipCache) return this.loadAcceptedMembers(groupId);
    return this.membershipCache.membersAsync(groupId, () => this.loadAcceptedMembers(groupId));
  }

  /** One statement. */
  private async loadAcceptedMembers(groupId: number): Promise<readonly number[] | null> {
    const [row] = await this.db.rows<{ found: boolean; ids: number[] }>(
      `SELECT EXISTS (SELECT 1 FROM groups WHERE id = $1) AS found,
         coalesce((SELECT array_agg(user_id ORDER BY user_id) FROM group_members
           WHERE group_id = $1 AND status = 'accepted'), '{}') AS ids`,
      [groupId],
    );
    return row!.found ? row!.ids.map(Number) : null;
  }

  /**
   * Both sides accepted in a shared group, or a private conversation both have
   * written in (private_writers); never a user blocked either way.
   */
  async contactsOf(userId: number): Promise<readonly number[]> {
    const rows = await this.db.rows<{ id: number }>(CONTACTS.text, CONTACTS.values({ user: userId }));
    return rows.map((r) => r.id);
  }
}
