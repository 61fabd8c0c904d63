import type { Awaitable } from '../types.js';

/**
 * Who is in a group. Required: `acceptedMembers(groupId)` -> ids of accepted
 * members, or null when the group does not exist.
 * Optional: `contactsOf(userId)` -> users who share an accepted group or a
 * private conversation with the user; presence goes to them only. Without it,
 * no presence frames are sent.
 */
export interface GroupMemberFetcher {
  acceptedMembers(groupId: number): Awaitable<readonly number[] | null>;
  contactsOf?(userId: number): Awaitable<readonly number[]>;
}
