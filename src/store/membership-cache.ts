/**
 * The accepted members of recently used groups, so that a group message, a
 * typing frame or a read receipt does not query the members again. Bounded
 * (groups not read lately leave first: LruMap's second chance). Correct only
 * while every change of membership reaches `invalidate`:
 * - SQLite (one process by design): the writer tells the group store of
 *   every committed `changeMembership` (SqliteWriter.afterCommit, as for the
 *   relation cache), before the write's promise settles;
 * - PostgreSQL (several instances): each instance also LISTENs for the
 *   NOTIFY that a committed change sends, and while it cannot listen the
 *   cache is disabled (every lookup goes to the database).
 * A missing group (null) is not cached, so ids that do not exist cannot push
 * real groups out.
 *
 * Asynchronous loads of one group already under way are joined (a burst of
 * messages to a group not cached costs one query), disabled or not; an
 * invalidation ends the joining, so a lookup after it loads again, and the
 * load from before it answers its own callers but is not kept. While the
 * cache is disabled a lookup may thus answer what a query started at most
 * one round trip earlier read, as an enabled cache answers what the last
 * NOTIFY left.
 */
import { LruMap } from './lru-map.js';

export interface MembershipCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
}

export const DEFAULT_MEMBERSHIP_CACHE_GROUPS = 10_000;

type Members = readonly number[] | null;

export class MembershipCache {
  readonly stats: MembershipCacheStats = { hits: 0, misses: 0, invalidations: 0 };
  private readonly entries: LruMap<number, readonly number[]>;
  /** Moves on every invalidation: a load that started before one is not kept. */
  private epoch = 0;
  /** Asynchronous loads under way, per group, for lookups to join. */
  private readonly loading = new Map<number, Promise<Members>>();
  private on: boolean;

  constructor(
    capacity = DEFAULT_MEMBERSHIP_CACHE_GROUPS,
    options: { enabled?: boolean } = {},
  ) {
    this.entries = new LruMap(capacity, this.stats);
    this.on = options.enabled ?? true;
  }

  get size(): number {
    return this.entries.size;
  }

  /** False while invalidations could be missed: lookups then always load. */
  get enabled(): boolean {
    return this.on;
  }

  /** The cached members of `groupId`, or `load()`'s answer (kept unless null). The array is frozen: it is shared. */
  members(groupId: number, load: () => Members): Members {
    return this.entries.get(groupId) ?? this.keep(groupId, load(), this.epoch);
  }

  /**
   * `members` for a load that is asynchronous: a lookup while one of the
   * group's loads is under way joins it; an invalidation while it runs means
   * its answer is not kept, and later lookups do not join it.
   */
  membersAsync(groupId: number, load: () => Promise<Members>): Promise<Members> {
    const hit = this.entries.get(groupId);
    if (hit) return Promise.resolve(hit);
    return this.loading.get(groupId) ?? this.startLoad(groupId, load);
  }

  /** The counters, the state and the size, for /metrics. */
  snapshot(): MembershipCacheStats & { enabled: boolean; groups: number } {
    return { ...this.stats, enabled: this.on, groups: this.entries.size };
  }

  invalidate(groupId: number): void {
    this.stats.invalidations += 1;
    this.epoch += 1;
    this.entries.delete(groupId);
    this.loading.delete(groupId);
  }

  /** Forgets everything and stops caching (the invalidations can no longer be trusted to arrive). */
  disable(): void {
    this.on = false;
    this.clear();
  }

  /** Starts caching again, from empty. */
  enable(): void {
    this.clear();
    this.on = true;
  }

  private clear(): void {
    this.epoch += 1;
    this.entries.clear();
    this.loading.clear();
  }

  /** One load for every lookup of the group until it answers (or an invalidation comes). */
  private startLoad(groupId: number, load: () => Promise<Members>): Promise<Members> {
    const epoch = this.epoch;
    const done = (): void => {
      if (this.loading.get(groupId) === loaded) this.loading.delete(groupId);
    };
    const loaded: Promise<Members> = started(load).then(
      (members) => {
        done();
        return this.keep(groupId, members, epoch);
      },
      (err: unknown) => {
        done();
        throw err;
      },
    );
    this.loading.set(groupId, loaded);
    return loaded;
  }

  private keep(groupId: number, loaded: Members, epoch: number): Members {
    if (loaded === null) return null;
    const members = Object.freeze([...loaded]);
    if (!this.on || epoch !== this.epoch) return members;
    this.entries.set(groupId, members);
    return members;
  }
}

/** `load()`, a synchronous throw included as its rejection. */
function started(load: () => Promise<Members>): Promise<Members> {
  try {
    return load();
  } catch (err) {
    return Promise.reject(err);
  }
}
