import type { Awaitable } from '../types.js';

/** What a client may show for a user (`GET /api/users`, group member lists). */
export interface Profile {
  id: number;
  username: string;
  display_name?: string;
  avatar_url?: string;
}

/**
 * Who the users are, when the host owns them (contract section 4). Parlor
 * asks it before storing anything addressed to a user (a private message, a
 * notification, an invitation), so its stores need no user table of their own.
 *
 * Required: `existing(ids)` -> the ids among `ids` that belong to a user; the
 * others are answered `not_found`. Confirmed ids are cached (bounded);
 * `parlor.invalidateUser(id)` forgets one after the host deletes that user.
 * Optional: `profiles(ids)` -> the profiles of the ids that exist (names for
 * clients). Without it, names come from Parlor's own accounts.
 * Ids in the answers may be numbers or numeric strings (`pg` gives bigint
 * columns as strings): Parlor reads them as numbers; any other id is the
 * directory failing (src/composition/host-user-ids.ts).
 */
export interface UserDirectory {
  existing(ids: readonly number[]): Awaitable<number[]>;
  profiles?(ids: readonly number[]): Awaitable<Profile[]>;
}

/**
 * Only the fields of the contract, whatever else the host's objects carry
 * (an email, a password hash): a profile is shown to other users.
 */
export function toProfile(p: Profile): Profile {
  const profile: Profile = { id: p.id, username: p.username };
  if (typeof p.display_name === 'string') profile.display_name = p.display_name;
  if (typeof p.avatar_url === 'string') profile.avatar_url = p.avatar_url;
  return profile;
}
