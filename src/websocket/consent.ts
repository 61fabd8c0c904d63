import { ParlorError } from '../errors.js';
import type { BlockedUser, ConsentStore, Relation } from './consent-store.js';
import type { PrivateMessage } from './protocol.js';

/** What a Manager without a ConsentStore assumes: nobody blocks, every conversation is accepted. */
const OPEN: Relation = { blocking: false, blockedBy: false, wrote: true, peerWrote: true, shareGroup: false };

/** What admitPrivate answers. */
export interface Admission {
  /** The recipient has accepted the conversation: the sender gets `delivered` receipts. */
  recipientAccepted: boolean;
  /** This message is the reply to a request: the two become contacts. */
  nowMutual: boolean;
}

const TO_ONESELF: Admission = { recipientAccepted: true, nowMutual: false };

/** How many users one user may block: bounds the stored rows and `GET /api/users/blocked`. */
const MAX_BLOCKS_PER_USER = 1000;

/**
 * The rules of message requests and blocks (contract section 6), in one
 * place. Every answer costs one store read (`relation`), never a scan.
 */
export class Consent {
  constructor(private readonly store: ConsentStore | null = null) {}

  get enabled(): boolean {
    return this.store !== null;
  }

  /**
   * Before a private message is stored: `forbidden` when either side blocks
   * the other. Gives whether the recipient has accepted the conversation
   * (written in it): only then does the sender get `delivered` receipts; and
   * whether this message makes them contacts (the reply to a request).
   * Synchronous when the store answers synchronously (SQLite): no promise on
   * the message path for a question answered from the same thread.
   */
  admitPrivate(from: number, to: number): Admission | Promise<Admission> {
    if (from === to) return TO_ONESELF;
    const r = this.relationOf(from, to);
    return r instanceof Promise ? r.then((relation) => this.admission(relation, to)) : this.admission(r, to);
  }

  /** Before an invitation: `forbidden` when inviter and invitee block each other either way. */
  async admitInvite(inviter: number, invitee: number): Promise<void> {
    if (inviter === invitee) return;
    refuseBlocked(await this.relationOf(inviter, invitee), invitee);
  }

  /**
   * Whether `from`'s typing and receipts may reach `to`: `from` has accepted
   * the conversation (written in it) or they share an accepted group (contacts
   * already), and neither blocks the other. A stranger learns nothing of the
   * recipient before the reply.
   */
  async maySignal(from: number, to: number): Promise<boolean> {
    if (from === to) return true;
    const r = await this.relationOf(from, to);
    return (r.wrote || r.shareGroup) && !r.blocking && !r.blockedBy;
  }

  /**
   * A private history page as `viewer` sees it. The `status` of the viewer's
   * own messages (`delivered`, `read`) is what the peer's receipts say, so it
   * is withheld like them: `sent` while the peer's receipts may not reach the
   * viewer (maySignal: a request not yet answered, a block either way).
   */
  async historyFor<M extends PrivateMessage>(viewer: number, peer: number, items: M[]): Promise<M[]> {
    if (await this.maySignal(peer, viewer)) return items;
    return items.map((m) => (m.from === viewer && m.status !== undefined && m.status !== 'sent' ? { ...m, status: 'sent' } : m));
  }

  /** `users` without those `userId` blocks or is blocked by: the audience of a group typing frame. */
  async withoutBlocked(userId: number, users: readonly number[]): Promise<readonly number[]> {
    if (!this.store || users.length === 0) return users;
    const blocked = new Set(await this.store.blockedEitherWay(userId));
    return blocked.size === 0 ? users : users.filter((u) => !blocked.has(u));
  }

  /** `userId` blocks `peerId`; false when it already did. `conflict` past MAX_BLOCKS_PER_USER. */
  async block(userId: number, peerId: number): Promise<boolean> {
    if (userId === peerId) throw new ParlorError('bad_request', 'you cannot block yourself');
    const store = this.requireStore();
    const current = await store.blockedBy(userId);
    if (current.some((b) => b.user_id === peerId)) return false;
    if (current.length >= MAX_BLOCKS_PER_USER) {
      throw new ParlorError('conflict', `you already block ${MAX_BLOCKS_PER_USER} users; unblock some first`);
    }
    return store.block(userId, peerId);
  }

  /** Lifts the block; false when there was none. */
  async unblock(userId: number, peerId: number): Promise<boolean> {
    return this.requireStore().unblock(userId, peerId);
  }

  /** The users `userId` blocks, most recent first (at most MAX_BLOCKS_PER_USER). */
  async blocked(userId: number): Promise<BlockedUser[]> {
    return this.requireStore().blockedBy(userId);
  }

  private admission(r: Relation, to: number): Admission {
    refuseBlocked(r, to);
    return { recipientAccepted: r.peerWrote || r.shareGroup, nowMutual: this.enabled && r.peerWrote && !r.wrote && !r.shareGroup };
  }

  private requireStore(): ConsentStore {
    if (!this.store) throw new ParlorError('bad_request', 'blocking is not enabled (no consent store)');
    return this.store;
  }

  private relationOf(userId: number, peerId: number): Relation | Promise<Relation> {
    return this.store ? this.store.relation(userId, peerId) : OPEN;
  }
}

function refuseBlocked(r: Relation, peer: number): void {
  if (r.blocking) throw new ParlorError('forbidden', `you have blocked user ${peer}; unblock them first`);
  if (r.blockedBy) throw new ParlorError('forbidden', `user ${peer} does not accept messages or invitations from you`);
}
