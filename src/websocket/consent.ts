import { ParlorError } from '../errors.js';
import type { Conversation } from '../store/types.js';
import type { Awaitable } from '../types.js';
import type { BlockedUser, ConsentStore, Relation } from './consent-store.js';
import type { PrivateMessage } from './protocol.js';

/** What a Manager without a ConsentStore assumes: nobody blocks, every conversation is accepted. */
const OPEN: Relation = { blocking: false, blockedBy: false, wrote: true, peerWrote: true, shareGroup: false };

/** What admitPrivate answers. */
export interface Admission {
  /** The recipient has accepted the conversation: the sender gets `delivered` receipts. */
  recipientAccepted: boolean;
  /** The sender had written to the recipient before: nothing new to record (noteWritten). */
  senderWrote: boolean;
}

const TO_ONESELF: Admission = { recipientAccepted: true, senderWrote: true };

/** Where Consent's answers come from besides its store. */
export interface ConsentSources {
  /** The GroupMemberFetcher's `contactsOf`, if it has one. */
  groupContactsOf?: (userId: number) => Awaitable<readonly number[]>;
  /**
   * The groups are a host's (not the store's): the store has no membership
   * rows for them, so its `shareGroup` is false for their members, and the
   * fetcher's `contactsOf` knows nothing of Parlor's private conversations
   * and blocks. Consent then asks `groupContactsOf` whether two users share
   * a group (only while the answer can change something: a conversation not
   * both have written in, between users who do not block each other), and
   * completes the contacts list (contactsOf) from its store.
   */
  hostGroups?: boolean;
  /**
   * The MessagePersister is not the store's own (a host's): the store never
   * sees the messages, so noteWritten records each sender's first message
   * to each recipient (ConsentStore.recordWrite).
   */
  recordWrites?: boolean;
}

/** How many users one user may block: bounds the stored rows and `GET /api/users/blocked`. */
const MAX_BLOCKS_PER_USER = 1000;

/**
 * The rules of message requests and blocks (contract section 6), in one
 * place. Every answer costs one store read (`relation`), never a scan.
 */
export class Consent {
  private readonly groupContactsOf: ConsentSources['groupContactsOf'];
  /** Set with a host's groups and a store: the fetcher's answer to "do they share a group". */
  private readonly hostContactsOf: ConsentSources['groupContactsOf'];
  private readonly hostGroups: boolean;
  private readonly recordWrites: boolean;

  constructor(
    private readonly store: ConsentStore | null = null,
    sources: ConsentSources = {},
  ) {
    this.groupContactsOf = sources.groupContactsOf;
    this.hostContactsOf = store && sources.hostGroups ? sources.groupContactsOf : undefined;
    this.hostGroups = Boolean(store && sources.hostGroups);
    this.recordWrites = Boolean(store?.recordWrite && sources.recordWrites);
  }

  /**
   * The user's contacts, who get its presence and make its online list
   * (contract section 6: sharing an accepted group, or a private
   * conversation both have written in; never anyone blocked either way).
   * With Parlor's own groups the store's contactsOf answers all of it. With a
   * host's groups, the host's contactsOf knows only its groups: the private
   * conversations and the blocks are Parlor's, so they are added and taken
   * out here. Without any `contactsOf`, a host's groups make no contacts.
   */
  async contactsOf(userId: number): Promise<readonly number[]> {
    const fromGroups = (await this.groupContactsOf?.(userId)) ?? [];
    if (!this.hostGroups) return fromGroups;
    const store = this.store!;
    const [mutual, blocked] = await Promise.all([store.privateContactsOf?.(userId) ?? [], store.blockedEitherWay(userId)]);
    const out = new Set(blocked);
    out.add(userId);
    return [...new Set([...fromGroups, ...mutual])].filter((id) => !out.has(id));
  }

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

  /**
   * After a private message was stored: records that its sender has written
   * to its recipient, when the store cannot have seen it (a host's
   * persister) and the relation said the sender had not written before. A
   * record that failed is made by the sender's next message (or resend),
   * whose relation still says the sender had not written.
   */
  noteWritten(from: number, to: number, admission: Admission): Promise<void> | undefined {
    if (this.recordWrites && !admission.senderWrote) return this.recordWrite(from, to);
  }

  /** Async, so that a store throwing synchronously rejects instead. */
  private async recordWrite(from: number, to: number): Promise<void> {
    await this.store!.recordWrite!(from, to);
  }

  /**
   * After the sender's first message in a conversation was stored: whether
   * it made the two contacts, the other having written in it too (this was
   * the reply to a request, or the two first messages crossed, each admitted
   * before the other was stored), with no group of Parlor's making them
   * contacts already. One store read; a host's groups are not asked (two
   * host group mates would be introduced again: one more `online` each).
   */
  async becameContacts(from: number, to: number): Promise<boolean> {
    if (!this.store || from === to) return false;
    const r = await this.store.relation(from, to);
    return r.wrote && r.peerWrote && !r.shareGroup && !r.blocking && !r.blockedBy;
  }

  /** Before an invitation: `forbidden` when inviter and invitee block each other either way. */
  async admitInvite(inviter: number, invitee: number): Promise<void> {
    if (inviter === invitee) return;
    refuseBlocked(await this.relationOf(inviter, invitee), invitee);
  }

  /**
   * Whether `from`'s receipts may reach `to`: `from` has accepted the
   * conversation (written in it) or they share an accepted group (contacts
   * already), and neither blocks the other. A stranger learns nothing of the
   * recipient before the reply. (Typing asks areContacts.)
   */
  async maySignal(from: number, to: number): Promise<boolean> {
    if (from === to) return true;
    const r = await this.relationOf(from, to);
    return (r.wrote || r.shareGroup) && !r.blocking && !r.blockedBy;
  }

  /**
   * Whether the two are contacts for typing (contract section 6: users
   * sharing an accepted group, or a private conversation both have written
   * in), neither blocking the other. Stricter than maySignal: a stranger who
   * wrote first is shown no typing until the reply, nor shown any.
   */
  async areContacts(from: number, to: number): Promise<boolean> {
    if (from === to) return true;
    const r = await this.relationOf(from, to);
    return ((r.wrote && r.peerWrote) || r.shareGroup) && !r.blocking && !r.blockedBy;
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

  /**
   * The conversation list as `userId` sees it. A list a host's persister
   * gave cannot know requests: each private conversation is marked from the
   * relation (a request: `userId` has not written in it and shares no group
   * with the peer). With a host's groups, a private conversation with a host
   * contact is no request, though the store (which knows only Parlor's
   * groups) marked it one.
   */
  async conversationsFor(userId: number, conversations: Conversation[]): Promise<Conversation[]> {
    const store = this.store;
    if (!store) return conversations;
    // The host's contacts are read once per list, not once per conversation.
    const hostContacts = async () => (this.hostContactsOf ? new Set(await this.hostContactsOf(userId)) : new Set<number>());
    if (this.recordWrites) {
      // A host persister's list: every private conversation's mark comes from the relation (batched on PostgreSQL, cached on SQLite).
      const contacts = conversations.some((c) => c.kind === 'private') ? await hostContacts() : new Set<number>();
      return Promise.all(
        conversations.map(async (c) => {
          if (c.kind !== 'private') return c;
          const r = await store.relation(userId, c.user_id);
          return markedRequest(c, !r.wrote && !r.shareGroup && !contacts.has(c.user_id));
        }),
      );
    }
    if (!this.hostContactsOf || !conversations.some((c) => c.request)) return conversations;
    const contacts = await hostContacts();
    return conversations.map((c) => (c.kind === 'private' && c.request && contacts.has(c.user_id) ? markedRequest(c, false) : c));
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
    return {
      recipientAccepted: r.peerWrote || r.shareGroup,
      senderWrote: r.wrote,
    };
  }

  private requireStore(): ConsentStore {
    if (!this.store) throw new ParlorError('bad_request', 'blocking is not enabled (no consent store)');
    return this.store;
  }

  private relationOf(userId: number, peerId: number): Relation | Promise<Relation> {
    if (!this.store) return OPEN;
    const r = this.store.relation(userId, peerId);
    if (!this.hostContactsOf) return r;
    return r instanceof Promise ? r.then((relation) => this.withHostGroups(userId, peerId, relation)) : this.withHostGroups(userId, peerId, r);
  }

  /** `shareGroup` counting the host's groups, asked of the host only when it matters (ConsentSources.hostContactsOf). */
  private withHostGroups(userId: number, peerId: number, r: Relation): Relation | Promise<Relation> {
    if (r.shareGroup || (r.wrote && r.peerWrote) || r.blocking || r.blockedBy) return r;
    return Promise.resolve(this.hostContactsOf!(userId)).then((contacts) => (contacts.includes(peerId) ? { ...r, shareGroup: true } : r));
  }
}

function refuseBlocked(r: Relation, peer: number): void {
  if (r.blocking) throw new ParlorError('forbidden', `you have blocked user ${peer}; unblock them first`);
  if (r.blockedBy) throw new ParlorError('forbidden', `user ${peer} does not accept messages or invitations from you`);
}

/** The private conversation with its `request` mark set as given (absent when false, as the stores leave it). */
function markedRequest(c: Conversation & { kind: 'private' }, request: boolean): Conversation {
  const { request: _, ...rest } = c;
  return request ? { ...rest, request: true } : rest;
}
