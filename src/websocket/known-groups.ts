/**
 * A host's GroupMemberFetcher as the Manager and the routes use it: the
 * accepted members of recently used groups answered from a bounded cache
 * (src/store/membership-cache.ts, the one Parlor's own group stores use), so a
 * group message, a typing frame or a read receipt costs no round trip to the
 * host. `contactsOf`, `groupsOf` and `members` (HTTP lists, presence) are
 * passed through unchanged, and only when the host provides them.
 *
 * Correct while every change of a group's membership reaches `invalidate`
 * (`parlor.invalidateGroup(id)`, carried to every instance by the broker).
 * A group the host does not know (null) is not kept. Loads of one group
 * already under way are joined by the cache, so a burst of messages to a
 * group asks once; a load that was under way when an invalidation came is
 * answered but not kept.
 */
import { DEFAULT_MEMBERSHIP_CACHE_GROUPS, MembershipCache, type MembershipCacheStats } from '../store/membership-cache.js';
import type { GroupMember, GroupMemberFetcher, GroupOfUser } from './group-member-fetcher.js';
import type { Awaitable } from '../types.js';

export const DEFAULT_GROUP_CACHE_SIZE = DEFAULT_MEMBERSHIP_CACHE_GROUPS;

type Members = readonly number[] | null;

export class KnownGroups implements GroupMemberFetcher {
  readonly contactsOf?: (userId: number) => Awaitable<readonly number[]>;
  readonly groupsOf?: (userId: number) => Awaitable<GroupOfUser[]>;
  readonly members?: (groupId: number) => Awaitable<GroupMember[]>;
  private readonly cache: MembershipCache;

  /** @param capacity groups kept at most (a positive integer). */
  constructor(
    private readonly fetcher: GroupMemberFetcher,
    capacity = DEFAULT_GROUP_CACHE_SIZE,
  ) {
    this.cache = new MembershipCache(capacity);
    // Optional methods stay absent when the host has none: their absence means something (no presence, routes fall through).
    if (fetcher.contactsOf) this.contactsOf = fetcher.contactsOf.bind(fetcher);
    if (fetcher.groupsOf) this.groupsOf = fetcher.groupsOf.bind(fetcher);
    if (fetcher.members) this.members = fetcher.members.bind(fetcher);
  }

  get stats(): MembershipCacheStats {
    return this.cache.stats;
  }

  acceptedMembers(groupId: number): Promise<Members> {
    // Promise.resolve: a host may answer with a value or a thenable.
    return this.cache.membersAsync(groupId, () => Promise.resolve(this.fetcher.acceptedMembers(groupId)));
  }

  /** Forgets every group (invalidations may have been lost): each next lookup asks the host again. */
  forgetAll(): void {
    this.cache.enable(); // empties it (loads under way included); caching goes on
  }

  /** Forgets one group (the host changed its members or deleted it): the next lookup asks the host again. */
  invalidate(groupId: number): void {
    this.cache.invalidate(groupId); // a lookup from now on does not join a load that started before
  }
}
