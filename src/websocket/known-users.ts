/**
 * The UserDirectory as the Manager and the routes use it: existence checks
 * answered from a bounded cache of the ids the directory confirmed, so a
 * conversation does not cost a round trip to the host per message.
 *
 * Only confirmations are kept: an unknown id is asked again next time (the
 * host may have just created that user). Least recently used ids leave
 * first, approximately: a hit moves an id to the young end only once it is in
 * the older half (a Map delete + set per message cost more than the rest of
 * the check, bench/user-check.mjs), so an id used at least once per
 * capacity/2 new confirmations is never evicted. Correct while every deletion of a user reaches `invalidate`
 * (`parlor.invalidateUser(id)`); a lookup that was under way when an
 * invalidation came is answered but not kept.
 */
import { ParlorError } from '../errors.js';
import { toProfile, type Profile, type UserDirectory } from './user-directory.js';

export const DEFAULT_USER_CACHE_SIZE = 100_000;

export interface KnownUsersStats {
  hits: number;
  misses: number;
  invalidations: number;
}

/** No directory at all (a Manager built by hand over mocks): every id is taken as it is, the stores decide. */
export const EVERYONE_EXISTS: UserDirectory = { existing: (ids) => [...ids] };

export class KnownUsers {
  readonly stats: KnownUsersStats = { hits: 0, misses: 0, invalidations: 0 };
  /** Id -> the stamp of its last (re)insertion. Map keeps insertion order: the first key is the least recently used. */
  private readonly confirmed = new Map<number, number>();
  /** Counts (re)insertions. */
  private stamp = 0;
  /** Moves on every invalidation: a lookup that started before one is not kept. */
  private epoch = 0;
  /** One lookup per id at a time: a burst of messages to a new recipient asks the directory once. */
  private readonly pending = new Map<number, Promise<boolean>>();

  /** @param capacity ids kept at most; 0 turns the cache off (every check asks the directory). */
  constructor(
    private readonly directory: UserDirectory,
    private readonly capacity = DEFAULT_USER_CACHE_SIZE,
  ) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new TypeError(`capacity must be a non-negative integer, got ${capacity}`);
  }

  get size(): number {
    return this.confirmed.size;
  }

  /**
   * Nothing (synchronously) when the cache confirms the user, so the hot path
   * allocates no promise; else a promise that resolves when the directory
   * confirms, and rejects with `ParlorError('not_found')` when it does not
   * (or with the directory's own error when it fails).
   */
  require(userId: number): void | Promise<void> {
    if (this.hit(userId)) return;
    return this.lookup(userId).then((exists) => {
      if (!exists) throw new ParlorError('not_found', `user ${userId} does not exist`);
    });
  }

  /** The ids among `ids` that exist, once each, in the order given. */
  async existing(ids: readonly number[]): Promise<number[]> {
    const unique = [...new Set(ids)];
    const misses = unique.filter((id) => !this.hit(id));
    const found = misses.length > 0 ? await this.ask(misses) : new Set<number>();
    const missed = new Set(misses);
    return unique.filter((id) => !missed.has(id) || found.has(id));
  }

  /** Profiles of the ids among `ids` that exist, in the order given; only the contract's fields. */
  async profiles(ids: readonly number[]): Promise<Profile[]> {
    const existing = await this.existing(ids);
    if (existing.length === 0 || !this.directory.profiles) return [];
    const byId = new Map<number, Profile>();
    for (const p of await this.directory.profiles(existing)) {
      if (isProfile(p) && !byId.has(p.id)) byId.set(p.id, toProfile(p));
    }
    return existing.flatMap((id) => byId.get(id) ?? []);
  }

  /** Forgets every user (invalidations may have been lost): each next check asks the directory again. */
  forgetAll(): void {
    this.stats.invalidations += 1;
    this.epoch += 1;
    this.confirmed.clear();
    this.pending.clear();
  }

  /** Forgets one user (the host deleted it): the next check asks the directory again. */
  invalidate(userId: number): void {
    this.stats.invalidations += 1;
    this.epoch += 1;
    this.confirmed.delete(userId);
    // A check from now on must not join a lookup that started before.
    this.pending.delete(userId);
  }

  private hit(userId: number): boolean {
    const at = this.confirmed.get(userId);
    if (at === undefined) {
      this.stats.misses += 1;
      return false;
    }
    this.stats.hits += 1;
    if (this.stamp - at >= this.capacity / 2) this.keep(userId);
    return true;
  }

  /** Whether the directory knows `userId`, joining a lookup of the same id already under way. */
  private lookup(userId: number): Promise<boolean> {
    let answer = this.pending.get(userId);
    if (!answer) {
      const lookup = this.ask([userId]).then((found) => found.has(userId));
      answer = lookup.finally(() => {
        if (this.pending.get(userId) === answer) this.pending.delete(userId);
      });
      this.pending.set(userId, answer);
    }
    return answer;
  }

  /** The directory's answer, limited to the ids asked; kept unless an invalidation came meanwhile. */
  private async ask(ids: readonly number[]): Promise<Set<number>> {
    const epoch = this.epoch;
    const asked = new Set(ids);
    const answer = await this.directory.existing(ids);
    const found = new Set(answer.filter((id) => asked.has(id)));
    if (epoch === this.epoch && this.capacity > 0) {
      for (const id of found) this.keep(id);
    }
    return found;
  }

  private keep(userId: number): void {
    this.confirmed.delete(userId);
    this.confirmed.set(userId, ++this.stamp);
    if (this.confirmed.size > this.capacity) this.confirmed.delete(this.confirmed.keys().next().value!);
  }
}

function isProfile(p: unknown): p is Profile {
  return typeof p === 'object' && p !== null && Number.isSafeInteger((p as Profile).id) && typeof (p as Profile).username === 'string';
}
