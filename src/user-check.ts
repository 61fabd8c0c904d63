import { isParlorError } from './errors.js';

/**
 * Whether a user exists, as the Manager's cached check answers it
 * (`KnownUsers.require`, the host's `userDirectory` or Parlor's own accounts):
 * nothing (or a promise of nothing) when it does, a rejection with
 * `ParlorError('not_found')` when it does not, and the directory's own
 * failure otherwise.
 */
export type UserCheck = (userId: number) => void | Promise<void>;

/** Whether the check finds the user; a failure of the directory rejects (an outage is never read as "no such user"). */
export async function userExists(check: UserCheck, userId: number): Promise<boolean> {
  try {
    await check(userId);
    return true;
  } catch (err) {
    if (isParlorError(err) && err.code === 'not_found') return false;
    throw err;
  }
}
