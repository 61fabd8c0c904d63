/**
 * The accepted members of recently used groups, so that a group message, a
 * typing frame or a read receipt does not query the members again. Bounded
 * (least recently used groups leave first). Correct only where every change
 * of membership passes through the store that owns the cache and calls
 * `invalidate` once the change committed: the SQLite store, which is one
 * process by design. A missing group (null) is not cached, so ids that do
 * not exist cannot push real groups out.
 */
export interface MembershipCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
}

export const DEFAULT_MEMBERSHIP_CACHE_GROUPS = 10_000;

export class MembershipCache {
  readonly stats: MembershipCacheStats = { hits: 0, misses: 0, invalidations: 0 };
  private readonly entries = new Map<number, readonly number[]>();

  constructor(private readonly capacity = DEFAULT_MEMBERSHIP_CACHE_GROUPS) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached members of `groupId`, or `load()`'s answer (kept unless null). The array is frozen: it is shared. */
  members(groupId: number, load: () => readonly number[] | null): readonly number[] | null {
    const hit = this.entries.get(groupId);
    if (hit !== undefined) {
      this.stats.hits += 1;
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(groupId);
      this.entries.set(groupId, hit);
      return hit;
    }
    this.stats.misses += 1;
    const loaded = load();
    if (loaded === null) return null;
    const members = Object.freeze([...loaded]);
    this.entries.set(groupId, members);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return members;
  }

  invalidate(groupId: number): void {
    this.stats.invalidations += 1;
    this.entries.delete(groupId);
  }
}
