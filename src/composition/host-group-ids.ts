import { isThenable } from '../interface-failure.js';
import type { Awaitable } from '../types.js';
import { requireGroupId, requireUserId } from '../user-id.js';
import type { GroupMemberFetcher } from '../websocket/group-member-fetcher.js';

/**
 * A host's GroupMemberFetcher with every id as a number. Its rows often come
 * straight from a database driver, and `pg` gives bigint columns as strings:
 * `'601'` would match no connection, no session user and no member check
 * (a member's own list answered 403), and go out as a string, though ids are
 * JSON integers everywhere (contract section 2). Digits are read as the id,
 * as for users (src/user-id.ts); any other id (`'g-7'`, `null`, `'0x2BD'`) is
 * a TypeError naming the method, which the guard reports as the fetcher
 * failing (503), not as a group id of null or a member turned non-member.
 * Arrays already all numbers pass through untouched, so a well-typed fetcher
 * pays one scan.
 */
export function withNumericIds(fetcher: GroupMemberFetcher): GroupMemberFetcher {
  const numeric: GroupMemberFetcher = {
    acceptedMembers: (groupId) => mapAwaitable(fetcher.acceptedMembers(groupId), (ids) => ids && userIds(ids, 'groupMemberFetcher.acceptedMembers')),
  };
  if (fetcher.contactsOf) {
    const contactsOf = fetcher.contactsOf.bind(fetcher);
    numeric.contactsOf = (userId) => mapAwaitable(contactsOf(userId), (ids) => userIds(ids, 'groupMemberFetcher.contactsOf'));
  }
  if (fetcher.groupsOf) {
    const groupsOf = fetcher.groupsOf.bind(fetcher);
    numeric.groupsOf = (userId) =>
      mapAwaitable(groupsOf(userId), (groups) => groups.map((g) => (typeof g.id === 'number' ? g : { ...g, id: requireGroupId(g.id, 'groupMemberFetcher.groupsOf') })));
  }
  if (fetcher.members) {
    const members = fetcher.members.bind(fetcher);
    numeric.members = (groupId) =>
      mapAwaitable(members(groupId), (rows) => rows.map((m) => (typeof m.id === 'number' ? m : { ...m, id: requireUserId(m.id, 'groupMemberFetcher.members') })));
  }
  return numeric;
}

function userIds(ids: readonly number[], call: string): readonly number[] {
  return ids.every((id) => typeof id === 'number') ? ids : ids.map((id) => requireUserId(id, call));
}

/** Maps a value a host may give directly or as a promise (or a thenable), keeping a direct value direct. */
export function mapAwaitable<T, U>(value: Awaitable<T>, map: (v: T) => U): Awaitable<U> {
  return isThenable(value) ? Promise.resolve(value as PromiseLike<T>).then(map) : map(value as T);
}
