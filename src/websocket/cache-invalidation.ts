/**
 * What "forget what you know of this" means, in one place: the host changed
 * one of its users (deleted it) or one of its groups (members joined or left,
 * or it was deleted). The Manager drops the entry from its caches here and
 * the broker carries the same order to every other instance.
 */
export type CacheInvalidation =
  /** `parlor.invalidateUser(userId)`: the UserDirectory cache (src/websocket/known-users.ts). */
  | { userId: number }
  /** `parlor.invalidateGroup(groupId)`: the cache of a host's group members (src/websocket/known-groups.ts). */
  | { groupId: number };

/** An invalidation as it arrives from another instance, checked field by field; undefined when it is not one. */
export function asCacheInvalidation(value: unknown): CacheInvalidation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const isId = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  if (isId(v.userId) && v.groupId === undefined) return { userId: v.userId };
  if (isId(v.groupId) && v.userId === undefined) return { groupId: v.groupId };
  return undefined;
}
