import { ParlorError } from '../errors.js';

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
