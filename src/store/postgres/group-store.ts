import type pg from 'pg';
import { ParlorError } from '../../errors.js';
import type { MembershipCache } from '../membership-cache.js';
import type { GroupMember } from '../../websocket/group-member-fetcher.js';
import type { Group, GroupStore, MemberStatus } from '../types.js';
import { nextInviteWindow, type InviteWindow } from '../invite-limit.js';
import type { PgDatabase } from './database.js';
import { isUniqueViolation } from './sql-errors.js';

type ListedStatus = 'accepted' | 'invited';

export class PgGroupStore implements GroupStore {
  /**
   * @param membershipCache acceptedMembers per group, kept honest by a
   *   MembershipListener on `channel` (and by respond() on this instance).
   * @param channel where respond() sends its NOTIFY.
   */
  constructor(
    private readonly db: PgDatabase,
    readonly membershipCache: MembershipCache | null = null,
    private readonly channel: string | null = null,
  ) {}

  /** The group and its owner's accepted membership, in one transaction. */
  createGroup(ownerId: number, name: string): Promise<Group> {
    return this.db.transaction(async (client) => {
      const group = (await client.query<Group>('INSERT INTO groups (name, owner_id) VALUES ($1, $2) RETURNING id, name, owner_id', [name, ownerId]))
        .rows[0]!;
      await client.query(`INSERT INTO group_members (group_id, user_id, status) VALUES ($1, $2, 'accepted')`, [group.id, ownerId]);
      return { id: group.id, name: group.name, owner_id: group.owner_id };
    });
  }

  async getGroup(groupId: number): Promise<Group | null> {
    const [g] = await this.db.rows<Group>('SELECT id, name, owner_id FROM groups WHERE id = $1', [groupId]);
    return g ? { id: g.id, name: g.name, owner_id: g.owner_id } : null;
  }

  groupsOf(userId: number): Promise<Array<{ id: number; name: string; status: ListedStatus }>> {
    return this.db.rows(
      `SELECT g.id, g.name, gm.status
       FROM group_members gm JOIN groups g ON g.id = gm.group_id
       WHERE gm.user_id = $1 AND gm.status IN ('accepted', 'invited')
       ORDER BY g.id`,
      [userId],
    );
  }

  members(groupId: number): Promise<GroupMember[]> {
    return this.db.rows(
      `SELECT user_id AS id, status FROM group_members
       WHERE group_id = $1 AND status IN ('accepted', 'invited')
       ORDER BY user_id`,
      [groupId],
    );
  }

  async memberStatus(groupId: number, userId: number): Promise<MemberStatus | null> {
    const [row] = await this.db.rows<{ status: MemberStatus }>('SELECT status FROM group_members WHERE group_id = $1 AND user_id = $2', [
      groupId,
      userId,
    ]);
    return row?.status ?? null;
  }

  /**
   * One transaction. Two invitations of the same user racing: the second
   * insert hits the primary key (or finds no declined row to reopen) and is
   * the same conflict a sequential second invitation gets.
   */
  invite(groupId: number, userId: number, invitedBy: number): Promise<void> {
    return this.db.transaction(async (client) => {
      if (!(await exists(client, 'SELECT 1 FROM groups WHERE id = $1', groupId))) {
        throw new ParlorError('not_found', `group ${groupId} does not exist`);
      }
      const [row] = (
        await client.query<{ status: MemberStatus; now: string } & InviteWindow>(
          `SELECT status, invite_count, invite_window_at::float8 AS invite_window_at, parlor_now_ms() AS now
           FROM group_members WHERE group_id = $1 AND user_id = $2`,
          [groupId, userId],
        )
      ).rows;
      const conflict = () => new ParlorError('conflict', `user ${userId} is already ${row?.status ?? 'invited'} in group ${groupId}`);
      if (row?.status === 'invited' || row?.status === 'accepted') throw conflict();
      if (row?.status === 'declined') {
        const next = nextInviteWindow(row, Number(row.now), groupId, userId);
        const reopened = await client.query(
          `UPDATE group_members SET status = 'invited', invited_by = $1, updated_at = parlor_now_ms(),
             invite_count = $4, invite_window_at = $5
           WHERE group_id = $2 AND user_id = $3 AND status = 'declined'`,
          [invitedBy, groupId, userId, next.invite_count, next.invite_window_at],
        );
        if (reopened.rowCount !== 1) throw conflict();
        return;
      }
      try {
        await client.query(
          `INSERT INTO group_members (group_id, user_id, status, invited_by, invite_count, invite_window_at)
           VALUES ($1, $2, 'invited', $3, 1, parlor_now_ms())`,
          [groupId, userId, invitedBy],
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict();
        throw err;
      }
    });
  }

  /**
   * Every instance's membership cache hears of the change: the NOTIFY is part
   * of the statement, so it is sent exactly when the UPDATE commits.
   */
  async respond(groupId: number, userId: number, accept: boolean): Promise<boolean> {
    const update = `UPDATE group_members SET status = $1, updated_at = parlor_now_ms()
      WHERE group_id = $2 AND user_id = $3 AND status = 'invited'`;
    const status = accept ? 'accepted' : 'declined';
    try {
      const result = this.channel
        ? await this.db.query(`WITH changed AS (${update} RETURNING group_id) SELECT pg_notify($4, group_id::text) FROM changed`, [
            status,
            groupId,
            userId,
            this.channel,
          ])
        : await this.db.query(update, [status, groupId, userId]);
      return result.rowCount === 1;
    } finally {
      this.membershipCache?.invalidate(groupId);
    }
  }

  /** Accepted members' ids; null when the group does not exist. Cached while the listener listens. */
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
    const rows = await this.db.rows<{ id: number }>(
      `SELECT c.id FROM (
         SELECT other.user_id AS id
         FROM group_members me
         JOIN group_members other ON other.group_id = me.group_id AND other.status = 'accepted'
         WHERE me.user_id = $1 AND me.status = 'accepted' AND other.user_id <> $1
         UNION
         SELECT w.peer_id FROM private_writers w
         JOIN private_writers back ON back.user_id = w.peer_id AND back.peer_id = $1
         WHERE w.user_id = $1 AND w.peer_id <> $1
       ) c
       WHERE NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = c.id)
         AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = c.id AND blocked_id = $1)
       ORDER BY 1`,
      [userId],
    );
    return rows.map((r) => r.id);
  }
}

async function exists(client: pg.PoolClient, sql: string, id: number): Promise<boolean> {
  return ((await client.query(sql, [id])).rowCount ?? 0) > 0;
}
