/**
 * A Map bounded to `capacity` entries, counting its hits and misses: what
 * the store's in-memory caches share (MembershipCache, the SQLite
 * RelationCache). When full, a new entry pushes out one not used lately:
 * the oldest entry that has not been read since it was stored or last given
 * its second chance (the "second chance" or CLOCK approximation of least
 * recently used).
 *
 * A hit only sets a flag on its entry. Moving it to the end of the Map
 * instead (a delete and a set per hit) had V8 rebuild the Map's table in the
 * old generation every few hundred hits on a busy cache, and each discarded
 * table kept the keys it held alive through young collections until the
 * next full one (bench/RESULTS.md, "Issue 19, tenth pass").
 */
export interface LruStats {
  hits: number;
  misses: number;
}

interface Entry<V> {
  value: V;
  /** Read since it was stored or last passed over by an eviction. */
  used: boolean;
}

export class LruMap<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(
    readonly capacity: number,
    /** Counted on every `get`; the owner's own stats object, so it can add its own counters. */
    readonly stats: LruStats = { hits: 0, misses: 0 },
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, marked as used; undefined (a miss) when absent. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.stats.misses += 1;
      return undefined;
    }
    this.stats.hits += 1;
    entry.used = true;
    return entry.value;
  }

  /** Without counting or marking: for an owner checking what an entry says before dropping it. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: K, value: V): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.used = true;
      return;
    }
    // Room first, so the new entry is never the one to leave.
    if (this.entries.size >= this.capacity) this.evictOne();
    this.entries.set(key, { value, used: false });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** The oldest entry not used since its last chance leaves; used ones passed over go to the end, unmarked. */
  private evictOne(): void {
    for (const [key, entry] of this.entries) {
      this.entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(key, entry);
    }
  }
}
