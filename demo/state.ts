/**
 * What the page knows, without any DOM: conversations and their messages,
 * names, groups, presence and notifications. The views render from it; the
 * feature modules change it from HTTP answers and client events (they get it
 * through context.ts).
 */
import type { GroupMessage, Notification, PrivateMessage } from '../src/client/index.js';
import { ProfileCache, fetchProfilesOverHttp } from '../src/client/index.js';
import type { GroupStatus, GroupSummary, Member, User } from './api.js';

/** `u:ID` for a private conversation with user ID, `g:ID` for group ID. */
export type ConversationKey = `u:${number}` | `g:${number}`;

export const privateKey = (userId: number): ConversationKey => `u:${userId}`;
export const groupKey = (groupId: number): ConversationKey => `g:${groupId}`;

/** How far one of my private messages got; others' messages are simply `stored`. */
export type MessageStatus = 'pending' | 'stored' | 'delivered' | 'read' | 'failed';

export interface ChatMessage {
  /** Stable for the life of the message (its DOM key): the client id for my sends, else `m<id>`. */
  readonly uid: string;
  /** Null until the server acknowledged it. */
  id: number | null;
  readonly clientId: string | null;
  readonly from: number;
  readonly content: string;
  timestamp: number;
  status: MessageStatus;
  /** Why a send failed (an error code), for the failed state. */
  error?: string;
}

const STATUS_RANK: Record<MessageStatus, number> = { failed: -1, pending: 0, stored: 1, delivered: 2, read: 3 };

export function fromFrame(m: PrivateMessage | GroupMessage): ChatMessage {
  const status = 'status' in m && m.status && m.status !== 'sent' ? m.status : 'stored';
  return { uid: `m${m.id}`, id: m.id, clientId: null, from: m.from, content: m.content, timestamp: m.timestamp, status };
}

export class Conversation {
  /** Stored messages in id order, then my unacknowledged sends in the order I made them. */
  readonly messages: ChatMessage[] = [];
  private readonly byId = new Map<number, ChatMessage>();
  /** History: has the newest page been fetched; are older pages left; is a fetch running. */
  historyLoaded = false;
  hasMore = true;
  loading = false;
  unread = 0;
  /** The server listed it as a message request (a stranger wrote first); see ChatState.isRequest. */
  request = false;
  /**
   * The other user has written here (seen in the conversation list, a history
   * page or a live message). Only a conversation both have written in makes a
   * contact (contract section 6): a stranger I wrote to who never answered is none.
   */
  theyWrote = false;
  /** The newest incoming message id I told the server I read. */
  readSent = 0;
  /** Users typing here, with the timer that forgets them if `is_typing: false` never comes. */
  readonly typing = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(
    readonly key: ConversationKey,
    readonly kind: 'private' | 'group',
    /** The other user's id, or the group's id. */
    readonly targetId: number,
  ) {}

  get stored(): number {
    return this.byId.size;
  }

  /** The highest stored id: what sorts conversations. */
  get lastId(): number {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const id = this.messages[i]!.id;
      if (id !== null) return id;
    }
    return 0;
  }

  get oldestId(): number | undefined {
    return this.messages[0]?.id ?? undefined;
  }

  get last(): ChatMessage | undefined {
    return this.messages[this.messages.length - 1];
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): ChatMessage | undefined {
    return this.byId.get(id);
  }

  /** Insert a stored message at its place by id; false when it is already here. */
  add(message: ChatMessage): boolean {
    const id = message.id;
    if (id === null || this.byId.has(id)) return false;
    this.byId.set(id, message);
    if (this.kind === 'private' && message.from === this.targetId) this.theyWrote = true;
    this.messages.splice(this.insertionIndex(id), 0, message);
    return true;
  }

  /** One of my sends, not yet stored: shown at the end until its ack. */
  addPending(message: ChatMessage): void {
    this.messages.push(message);
  }

  /**
   * The server stored my send as `id`. If that id is already here (replayed
   * by `sync` before the ack came back), the pending copy goes away.
   */
  acknowledge(message: ChatMessage, id: number, timestamp: number): void {
    const at = this.messages.indexOf(message);
    if (at !== -1) this.messages.splice(at, 1);
    const known = this.byId.get(id);
    if (known) {
      raiseStatus(known, 'stored');
      return;
    }
    message.id = id;
    message.timestamp = timestamp;
    if (message.status === 'pending' || message.status === 'failed') message.status = 'stored';
    this.add(message);
  }

  /** First index whose message has a larger id, or is still pending. */
  private insertionIndex(id: number): number {
    let lo = 0;
    let hi = this.messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.messages[mid]!.id;
      if (other !== null && other < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Move a status forward only (a late `delivered` must not undo `read`). */
export function raiseStatus(message: ChatMessage, status: MessageStatus): void {
  if (STATUS_RANK[status] > STATUS_RANK[message.status]) message.status = status;
}

export interface InviteState {
  notification: Notification;
  groupId: number;
}

export class ChatState {
  /** Names of the people on the page: `GET /api/users?ids=`, once per id (the client SDK's ProfileCache). */
  readonly profiles = new ProfileCache(fetchProfilesOverHttp());
  readonly conversations = new Map<ConversationKey, Conversation>();
  readonly groups = new Map<number, GroupSummary>();
  readonly members = new Map<number, Member[]>();
  /** What I answered to invitations from this page, so their buttons can say so. */
  readonly responses = new Map<number, 'accepted' | 'declined'>();
  readonly online = new Set<number>();
  /** Users I block (`GET /api/users/blocked`, and *Block* on this page): their private conversations stay off the page. */
  readonly blocked = new Set<number>();
  notifications: Notification[] = [];
  unreadNotifications = 0;
  active: ConversationKey | null = null;

  constructor(readonly me: User) {
    this.profiles.remember([me]);
  }

  nameOf(userId: number): string {
    return this.profiles.nameOf(userId);
  }

  /** A user id from what was typed: digits, or a username this page has seen. */
  resolveUser(text: string): number | undefined {
    const t = text.trim().replace(/^#/, '');
    if (/^\d{1,15}$/.test(t)) return Number(t) || undefined;
    const wanted = t.toLowerCase();
    for (const p of this.profiles.loaded()) if (p.username.toLowerCase() === wanted) return p.id;
    return undefined;
  }

  /** The open conversation, if any. */
  activeConversation(): Conversation | undefined {
    return this.active ? this.conversations.get(this.active) : undefined;
  }

  conversation(key: ConversationKey): Conversation {
    let c = this.conversations.get(key);
    if (!c) {
      const id = Number(key.slice(2));
      c = new Conversation(key, key.startsWith('u:') ? 'private' : 'group', id);
      this.conversations.set(key, c);
    }
    return c;
  }

  /** Where a stored message belongs, seen from my side. */
  keyOf(m: PrivateMessage | GroupMessage): ConversationKey {
    if ('group_id' in m) return groupKey(m.group_id);
    return privateKey(m.from === this.me.id ? m.to : m.from);
  }

  titleOf(c: Conversation): string {
    if (c.kind === 'group') return this.groups.get(c.targetId)?.name ?? `group #${c.targetId}`;
    return c.targetId === this.me.id ? `${this.me.username} (you)` : this.nameOf(c.targetId);
  }

  /** Conversations to list: private ones and groups I accepted, most recent first; message requests are listed apart (`requests()`). */
  sortedConversations(): Conversation[] {
    const list = this.shownConversations().filter(
      (c) => (c.kind === 'private' && !this.isRequest(c)) || this.groups.get(c.targetId)?.status === 'accepted',
    );
    return list.sort((a, b) => b.lastId - a.lastId || a.key.localeCompare(b.key));
  }

  /** Message requests: a stranger's messages I have not answered, most recent first. */
  requests(): Conversation[] {
    return this.shownConversations().filter((c) => this.isRequest(c)).sort((a, b) => b.lastId - a.lastId);
  }

  /** Every conversation but those with a user I block, however they came back (a reload, a message, another tab). */
  private shownConversations(): Conversation[] {
    return [...this.conversations.values()].filter((c) => !(c.kind === 'private' && this.blocked.has(c.targetId)));
  }

  /** After blocking `userId`: the conversation goes, and stays off the page. */
  forgetBlocked(userId: number): void {
    this.blocked.add(userId);
    const key = privateKey(userId);
    this.conversations.delete(key);
    if (this.active === key) this.active = null;
  }

  /** A stranger wrote first and I have not replied (replying accepts it; contract section 6). */
  isRequest(c: Conversation): boolean {
    return c.kind === 'private' && c.request && !c.messages.some((m) => m.from === this.me.id);
  }

  /** Whether we are both accepted members of a group (then a first message is never a request). */
  sharesGroupWith(userId: number): boolean {
    return this.groupsListing(userId, 'accepted').length > 0;
  }

  /** My accepted groups whose member lists (as last read) have `userId` with this status. */
  groupsListing(userId: number, status: GroupStatus): number[] {
    const found: number[] = [];
    for (const [groupId, members] of this.members) {
      if (this.groups.get(groupId)?.status !== 'accepted') continue;
      if (members.some((m) => m.id === userId && m.status === status)) found.push(groupId);
    }
    return found;
  }

  /** Whether the private conversation with `userId` is one we have both written in. */
  writtenByBoth(userId: number): boolean {
    const c = this.conversations.get(privateKey(userId));
    return !!c && this.bothWroteIn(c);
  }

  /**
   * They wrote (seen), and I did: the server marks a conversation I have not
   * written in a request unless we share a group, which makes a contact anyway.
   */
  private bothWroteIn(c: Conversation): boolean {
    return c.kind === 'private' && c.theyWrote && !this.isRequest(c);
  }

  isContact(userId: number): boolean {
    return this.contactIds().has(userId);
  }

  /** My contacts, online first, then by name. */
  contacts(): number[] {
    const ids = this.contactIds();
    return [...ids].sort((a, b) => Number(this.online.has(b)) - Number(this.online.has(a)) || this.nameOf(a).localeCompare(this.nameOf(b)));
  }

  /**
   * My contacts (contract section 6): users who share an accepted group with
   * me, or a private conversation we have both written in, and whom I do not
   * block. Invited members are not contacts yet. (A block by the other side
   * is not known to the page; the server sends such a user no presence.)
   */
  private contactIds(): Set<number> {
    const ids = new Set<number>();
    for (const c of this.conversations.values()) if (this.bothWroteIn(c)) ids.add(c.targetId);
    for (const [groupId, members] of this.members) {
      if (this.groups.get(groupId)?.status !== 'accepted') continue;
      for (const m of members) if (m.status === 'accepted') ids.add(m.id);
    }
    ids.delete(this.me.id);
    for (const id of this.blocked) ids.delete(id);
    return ids;
  }

  /** Record usernames from a group's member list. */
  setMembers(groupId: number, members: Member[]): void {
    this.members.set(groupId, members);
    this.profiles.remember(members);
  }

  /** The groups I belong to or am invited to; every accepted one is listed, with messages or not. */
  setGroups(groups: GroupSummary[]): void {
    const seen = new Set<number>();
    for (const g of groups) {
      this.groups.set(g.id, g);
      seen.add(g.id);
      if (g.status === 'accepted') this.conversation(groupKey(g.id));
    }
    for (const id of [...this.groups.keys()]) if (!seen.has(id)) this.groups.delete(id);
  }

  /** After leaving a group: it, its members and its conversation are gone from the page (its history is no longer mine to read). */
  forgetGroup(groupId: number): void {
    const key = groupKey(groupId);
    this.groups.delete(groupId);
    this.members.delete(groupId);
    this.conversations.delete(key);
    if (this.active === key) this.active = null;
  }

  /** The group an invitation notification is about, and whether I can still answer it. */
  inviteOf(n: Notification): { groupId: number; pending: boolean; answer?: 'accepted' | 'declined' } | undefined {
    if (n.subtype !== 'group_invite' || typeof n.group_id !== 'number') return undefined;
    const groupId = n.group_id;
    const answer = this.responses.get(groupId) ?? (this.groups.get(groupId)?.status === 'accepted' ? 'accepted' : undefined);
    return { groupId, pending: this.groups.get(groupId)?.status === 'invited' && answer === undefined, answer };
  }
}
