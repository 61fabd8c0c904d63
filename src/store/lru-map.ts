/**
 * A Map bounded to `capacity` entries, the least recently used leaving first,
 * counting its hits and misses: what the store's in-memory caches share
 * (MembershipCache, the SQLite RelationCache). A Map keeps insertion order,
 * so a hit is re-inserted to become the most recently used, and the first
 * key is the one to evict.
 */
export interface LruStats {
  hits: number;
  misses: number;
}

export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

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

  /** The value, made the most recently used; undefined (a miss) when absent. */
  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) {
      this.stats.misses += 1;
      return undefined;
    }
    this.stats.hits += 1;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Without counting or reordering: for an owner checking what an entry says before dropping it. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
