/**
 * Invitations to Parlor's own groups, one home for both stores: who may
 * invite, who may be invited, the conflict when the user is already in, the
 * rate limit of re-invitations, and the two statements that record one. Each
 * store reads the inviter's and the invitee's rows and the clock, asks
 * `invitation()` what to write, and runs that statement in the same
 * transaction.
 */
import { ParlorError } from '../../errors.js';
import type { MemberStatus } from '../types.js';

/**
 * How many times one user may be invited to one group within a window: a
 * member could otherwise re-invite after every decline, each time a new
 * `group_invite` notification. The first invitation counts; the window
 * starts with the first invitation after the previous window ended.
 */
export const INVITE_LIMIT = { invites: 3, windowMs: 24 * 3600 * 1000 } as const;

/** What a group_members row remembers of its invitations (migration 003). */
export interface InviteWindow {
  invite_count: number;
  invite_window_at: number;
}

/** The window after one more invitation at `now`; throws `rate_limited` when the window is used up. */
export function nextInviteWindow(current: InviteWindow | undefined, now: number, groupId: number, userId: number): InviteWindow {
  if (!current || now - current.invite_window_at >= INVITE_LIMIT.windowMs) return { invite_count: 1, invite_window_at: now };
  if (current.invite_count >= INVITE_LIMIT.invites) {
    throw new ParlorError(
      'rate_limited',
      `user ${userId} was invited to group ${groupId} ${current.invite_count} times in the last ${INVITE_LIMIT.windowMs / 3600_000} hours; try again later`,
    );
  }
  return { invite_count: current.invite_count + 1, invite_window_at: current.invite_window_at };
}

/** The invitee's group_members row, when there is one. */
export interface InviteeRow extends InviteWindow {
  status: MemberStatus;
}

/** What recording an invitation writes: a new row, or the declined row reopened; either with its next window. */
export interface Invitation extends InviteWindow {
  statement: 'insert' | 'reopen';
}

/**
 * The two group_members rows an invitation is decided on, as read inside its
 * transaction: the inviter's status and the invitee's row (undefined: none).
 */
export interface InvitationRows {
  inviter: MemberStatus | undefined;
  invitee: InviteeRow | undefined;
}

/**
 * The invitation of `userId` to `groupId` at `now`, given the two rows.
 * Throws `forbidden` unless the inviter is an accepted member: read in the
 * invitation's own transaction, so a member who left or was removed while
 * the route was still asking the UserDirectory invites nobody (the route's
 * earlier check is only the quick answer). Then `conflict` when the user is
 * already invited or accepted; a user who declined may be invited again,
 * within INVITE_LIMIT (`rate_limited`).
 */
export function invitation(rows: InvitationRows, now: number, groupId: number, userId: number): Invitation {
  if (rows.inviter !== 'accepted') throw notAMember(groupId);
  const current = rows.invitee;
  if (current?.status === 'invited' || current?.status === 'accepted') throw alreadyInGroup(groupId, userId, current.status);
  if (current?.status === 'declined') return { statement: 'reopen', ...nextInviteWindow(current, now, groupId, userId) };
  return { statement: 'insert', ...nextInviteWindow(undefined, now, groupId, userId) };
}

/**
 * The conflict of an invitation of a user who is already in. Also what the
 * loser of two racing invitations gets: the winner's made the user `invited`.
 */
export function alreadyInGroup(groupId: number, userId: number, status: 'invited' | 'accepted' = 'invited'): ParlorError {
  return new ParlorError('conflict', `user ${userId} is already ${status} in group ${groupId}`);
}

/** The inviter is not an accepted member: the same `forbidden` the route answers before it asks the store. */
export function notAMember(groupId: number): ParlorError {
  return new ParlorError('forbidden', `you are not a member of group ${groupId}`);
}

export function noSuchGroup(groupId: number): ParlorError {
  return new ParlorError('not_found', `group ${groupId} does not exist`);
}

/** The parameters of INVITATION_SQL's statements. */
export type InvitationParams = { group: number; user: number; by: number; now: number } & InviteWindow;

/**
 * The two statements, the same text in both dialects. `reopen` changes a row
 * only while it is still declined: a store that finds no row changed lost a
 * race to another invitation (alreadyInGroup); `insert` loses it on the
 * primary key.
 */
export const INVITATION_SQL = {
  insert: `INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at, invite_count, invite_window_at)
    VALUES (@group, @user, 'invited', @by, @now, @invite_count, @invite_window_at)`,
  reopen: `UPDATE group_members SET status = 'invited', invited_by = @by, updated_at = @now,
      invite_count = @invite_count, invite_window_at = @invite_window_at
    WHERE group_id = @group AND user_id = @user AND status = 'declined'`,
} as const;
