/**
 * The relations (ConsentStore.relation: blocks each way, written each way, a
 * shared accepted group) of recently active pairs, so that a private message
 * does not run the relation's five sub-queries on the main thread every time
 * (7.3 µs per read pinned; bench/RESULTS.md, "Issue 19, second pass").
 * Bounded: pairs not read lately leave first (LruMap's second chance).
 *
 * Correct only while every write that changes a relation reaches it. SQLite
 * is one process by design (as for MembershipCache), so every such write goes
 * through this process's SqliteWriter, which reports each committed write
 * here (`committed`, registered with `afterCommit`) before the write's
 * promise settles. What each operation changes is the table below, one entry
 * per operation of writes.ts (a new operation does not compile until it has
 * one):
 * - a private message from → to (or `recordWrite`, the same fact for a
 *   message a host's persister stored) drops the two entries it can change
 *   (from's `wrote`, to's `peerWrote`) while they still say false; in a
 *   conversation under way they already say true, and nothing is dropped;
 * - a block, an unblock, an accepted group invitation (it makes
 *   group-mates) or leaving a group (it may end that) drops everything.
 *   They are rare.
 * A read before that report (even one after the worker's COMMIT) answers
 * what the database said before the write, as a read without the cache
 * could have, and whatever it left in the cache is dropped with the rest.
 */
import type { Relation } from '../../websocket/consent-store.js';
import { LruMap, type LruStats } from '../lru-map.js';
import type { WriteArgs, WriteCall, WriteOp } from './writes.js';

export const DEFAULT_RELATION_CACHE_PAIRS = 10_000;

type Effects = { [K in WriteOp]: ((...args: WriteArgs<K>) => void) | null };

export class RelationCache {
  /** By "user,peer": one entry per direction, as relation() is asked. */
  private readonly entries: LruMap<string, Relation>;

  /** What each write does to the cached relations; null: nothing. */
  private readonly effects: Effects = {
    savePrivate: (from, to) => this.messageStored(from, to),
    recordWrite: (from, to) => this.messageStored(from, to), // a host's persister stored the message
    block: () => this.entries.clear(),
    unblock: () => this.entries.clear(),
    // Accepting makes group-mates, leaving may end being ones; declining changes no accepted member.
    changeMembership: (_group, _user, what) => what !== 'decline' && this.entries.clear(),
    createUser: null,
    deleteUser: null, // register's undo: an account nobody wrote to or shares a group with
    updatePasswordHash: null, // a rehash at login, or a new password, changes no relation
    bumpTokenVersion: null,
    createGroup: null, // its only member is the owner: nobody becomes a group-mate
    invite: null, // an invited member is not yet a group-mate
    saveGroup: null,
    markDelivered: null,
    markRead: null,
    markGroupRead: null,
    saveNotification: null,
    markNotificationsRead: null,
    setSession: null,
    destroySession: null,
    touchSession: null,
    clearSessions: null,
    pruneSessions: null,
    destroyUserSessions: null,
  };

  constructor(capacity = DEFAULT_RELATION_CACHE_PAIRS) {
    this.entries = new LruMap(capacity);
  }

  get stats(): LruStats {
    return this.entries.stats;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached relation of `userId` to `peerId`, if any (it is then the most recently used). */
  get(userId: number, peerId: number): Relation | undefined {
    return this.entries.get(keyOf(userId, peerId));
  }

  /** Keeps a relation just read; returns it frozen (it is shared). */
  keep(userId: number, peerId: number, relation: Relation): Relation {
    const kept = Object.freeze(relation);
    this.entries.set(keyOf(userId, peerId), kept);
    return kept;
  }

  /** A write committed (SqliteWriter.afterCommit). */
  committed([op, args]: WriteCall): void {
    const effect = this.effects[op] as ((...args: unknown[]) => void) | null;
    effect?.(...args);
  }

  /** A private message from → to committed: private_writers has (from, to) now. */
  private messageStored(from: number, to: number): void {
    const mine = keyOf(from, to);
    if (this.entries.peek(mine)?.wrote === false) this.entries.delete(mine);
    const theirs = keyOf(to, from);
    if (this.entries.peek(theirs)?.peerWrote === false) this.entries.delete(theirs);
  }

}

function keyOf(userId: number, peerId: number): string {
  return `${userId},${peerId}`;
}
