import type { Awaitable } from '../types.js';

/**
 * How one user stands toward another, read in one go (one indexed lookup per
 * field) for every private message, typing frame and receipt.
 */
export interface Relation {
  /** `user` has blocked `peer`. */
  blocking: boolean;
  /** `peer` has blocked `user`. */
  blockedBy: boolean;
  /** `user` has written to `peer`: `user` has accepted the conversation. */
  wrote: boolean;
  /** `peer` has written to `user`. */
  peerWrote: boolean;
  /** Both are accepted members of one group: contacts already, so no conversation between them is a request. */
  shareGroup: boolean;
}

export interface BlockedUser {
  user_id: number;
  /** When the block was made (ms since the epoch). */
  since: number;
}

/**
 * Message requests and blocks (contract section 6): the store side.
 *
 * Optional for the Manager (a plain `new Manager(...)` without one lets
 * everyone write to everyone and relays typing and receipts as before): it is
 * its own interface, not methods on MessagePersister or GroupMemberFetcher,
 * because a host that brings those two usually keeps blocks in Parlor's
 * store. Both bundled stores implement it (`stores.consent`).
 *
 * Required: `relation(userId, peerId)`, `block`, `unblock`, `blockedBy`, `blockedEitherWay`.
 * Optional: `privateContactsOf(userId)`, the contacts Parlor adds to a host
 * fetcher's `contactsOf` (presence, the online list; a host's groups know
 * nothing of private conversations).
 * Optional: `recordWrite(userId, peerId)`, for a Manager whose MessagePersister
 * is not this store's own (a host's): after such a persister stores the
 * first private message from `userId` to `peerId`, the Manager records it
 * here, since the store never saw the message. Without it, those
 * conversations stay requests.
 * A store that implements contactsOf should leave out of it the users
 * blocked either way, and count a private conversation only once both have
 * written (the bundled stores do).
 */
export interface ConsentStore {
  relation(userId: number, peerId: number): Awaitable<Relation>;
  /** Records that `userId` blocks `peerId`; false when it already did. */
  block(userId: number, peerId: number): Awaitable<boolean>;
  /** Lifts it; false when there was none. */
  unblock(userId: number, peerId: number): Awaitable<boolean>;
  /** The users `userId` blocks, most recent first. */
  blockedBy(userId: number): Awaitable<BlockedUser[]>;
  /** The users `userId` blocks or is blocked by (two indexed reads): kept out of `userId`'s group typing. */
  blockedEitherWay(userId: number): Awaitable<number[]>;
  /** `userId` has written to `peerId` (idempotent): `wrote` of relation(userId, peerId) is true from now on. */
  recordWrite?(userId: number, peerId: number): Awaitable<void>;
  /** The users with whom `userId` has a private conversation both have written in, none blocked either way (one indexed read). */
  privateContactsOf?(userId: number): Awaitable<readonly number[]>;
}
