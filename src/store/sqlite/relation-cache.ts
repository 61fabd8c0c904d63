/**
 * The relations (ConsentStore.relation: blocks each way, written each way, a
 * shared accepted group) of recently active pairs, so that a private message
 * does not run the relation's five sub-queries on the main thread every time
 * (about 10% of the main thread's time per message in the pinned benchmark).
 * Bounded: the least recently used pairs leave first.
 *
 * Correct only while every write that changes a relation reaches it. SQLite
 * is one process by design (as for MembershipCache), so every such write goes
 * through this process's SqliteWriter, and the stores report them here:
 * - a private message from → to, once committed: `messageStored` drops the
 *   two entries it can change (from's `wrote`, to's `peerWrote`), when they
 *   still say false; in a conversation under way they already say true, and
 *   nothing is dropped;
 * - a block, an unblock or an answer to a group invitation (accepting makes
 *   group-mates): `changed` drops everything. They are rare.
 * Both are reported once the write is answered, before its caller goes on:
 * a read before that (even one after the worker's COMMIT) answers what the
 * database said before the write, as a read without the cache could have,
 * and whatever it left in the cache is dropped with the rest.
 */
import type { Relation } from '../../websocket/consent-store.js';
import { LruMap, type LruStats } from '../lru-map.js';

export const DEFAULT_RELATION_CACHE_PAIRS = 10_000;

export class RelationCache {
  /** By "user,peer": one entry per direction, as relation() is asked. */
  private readonly entries: LruMap<string, Relation>;

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

  /** A private message from → to committed: private_writers has (from, to) now. */
  messageStored(from: number, to: number): void {
    const mine = keyOf(from, to);
    if (this.entries.peek(mine)?.wrote === false) this.entries.delete(mine);
    const theirs = keyOf(to, from);
    if (this.entries.peek(theirs)?.peerWrote === false) this.entries.delete(theirs);
  }

  /** A block, an unblock or a group answer was answered: every cached relation may be wrong. */
  changed(): void {
    this.entries.clear();
  }
}

function keyOf(userId: number, peerId: number): string {
  return `${userId},${peerId}`;
}
