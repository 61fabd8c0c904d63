import type { Awaitable } from '../types.js';

/** A group as `GET /api/groups` lists it for one user. */
export interface GroupOfUser {
  id: number;
  name: string;
  status: 'accepted' | 'invited';
}

/**
 * A member of a group. `GET /api/groups/:id/members` adds the UserDirectory's
 * profile of each (its `username`, `display_name`, `avatar_url`); `username`
 * here is only the fallback for an id the directory has no profile of.
 */
export interface GroupMember {
  id: number;
  status: 'accepted' | 'invited';
  username?: string;
}

/**
 * Who is in a group: the one source of membership for every frame and route.
 *
 * Required: `acceptedMembers(groupId)` -> ids of accepted members, or null
 * when the group does not exist.
 * Optional:
 * - `contactsOf(userId)` -> users who share one of the host's groups with the
 *   user. Parlor adds the private conversations both have written in and
 *   takes out anyone blocked either way (Consent.contactsOf); presence and
 *   the online list go to the result. It also says whether two users share a
 *   group, which makes a first private message no request. Without it, only
 *   private conversations make contacts.
 * - `groupsOf(userId)`, `members(groupId)`: answer `GET /api/groups` and
 *   `GET /api/groups/:id/members` for a host that owns its groups; without
 *   them those routes fall through to the host.
 */
export interface GroupMemberFetcher {
  acceptedMembers(groupId: number): Awaitable<readonly number[] | null>;
  contactsOf?(userId: number): Awaitable<readonly number[]>;
  groupsOf?(userId: number): Awaitable<GroupOfUser[]>;
  members?(groupId: number): Awaitable<GroupMember[]>;
}
