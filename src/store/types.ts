/**
 * What the HTTP API and the standalone server need from a data store, beyond
 * the Manager's three interfaces. SQLite (default) and PostgreSQL implement
 * all of it; test/store/store-contract.ts is the one suite both must pass.
 */
import type { Store as SessionStore } from 'express-session';
import type { BatchStats } from './batch.js';
import type { MembershipCacheStats } from './membership-cache.js';
import type { Awaitable, Page, PageQuery } from '../types.js';
import type { ConsentStore } from '../websocket/consent-store.js';
import type { GroupMember, GroupMemberFetcher } from '../websocket/group-member-fetcher.js';
import type { MessagePersister } from '../websocket/message-persister.js';
import type { Message, Notification } from '../websocket/protocol.js';

export interface User {
  id: number;
  username: string;
}

export interface UserWithSecret extends User {
  passwordHash: string;
}

/** An account as its bearer tokens need it: no secret, and when it was created (Unix ms). */
export interface Account extends User {
  createdAt: number;
}

export interface UserStore {
  /** Throws `ParlorError('conflict')` when the username is taken (case-insensitive). */
  createUser(username: string, passwordHash: string): Awaitable<User>;
  /**
   * Removes an account that nothing refers to yet: register's undo when the
   * new account's session could not be saved, so that a retry is not a 409.
   */
  deleteUser(id: number): Awaitable<void>;
  /**
   * Replaces the account's password hash: a login rehashes a password whose
   * hash was made with other scrypt parameters (PASSWORD_HASH_COST raised),
   * and `POST /api/auth/password` stores a new password. With `replacing`,
   * only while the stored hash is still that one (the hash the caller
   * verified): a rehash racing a password change cannot bring the old
   * password back, and of two changes made with one current password only
   * the first lands. Resolves true when it replaced it; an unknown id
   * changes nothing (false).
   */
  updatePasswordHash(id: number, passwordHash: string, replacing?: string): Awaitable<boolean>;
  findByUsername(username: string): Awaitable<UserWithSecret | null>;
  findById(id: number): Awaitable<UserWithSecret | null>;
  /**
   * The account with its creation time, or null: TokenService refuses a token
   * issued before its account was created (an id given again to a new account).
   */
  findAccount(id: number): Awaitable<Account | null>;
  /** The accounts among `ids`, in no particular order, in one statement. */
  findByIds(ids: readonly number[]): Awaitable<User[]>;
}

/**
 * Each user's bearer-token version: a token carries the version it was issued
 * with, and revoking bumps it, so every older token stops working. Kept apart
 * from Parlor's accounts: a host's users have versions too.
 */
export interface TokenVersionStore {
  /** The current version; 0 for a user who never revoked. */
  current(userId: number): Awaitable<number>;
  /** Increments and returns the user's version (any id: no account needed). */
  bump(userId: number): Awaitable<number>;
  /** The current version of each of `userIds` (0 for one who never revoked), in one query: the token re-check. */
  currentOf(userIds: readonly number[]): Awaitable<Map<number, number>>;
}

export type MemberStatus = 'invited' | 'accepted' | 'declined';

export interface Group {
  id: number;
  name: string;
  owner_id: number;
}

/** A notification to store in the same transaction as another write (an invitation's `group_invite`). */
export interface Notice {
  subtype: string;
  message: string;
  data: Record<string, unknown>;
}

/**
 * Parlor's own groups. User ids are taken as they are (the host's or
 * Parlor's accounts): whether an invitee exists is asked of the UserDirectory before.
 */
export interface GroupStore extends GroupMemberFetcher {
  /** Creates the group with its owner as an accepted member, in one transaction. */
  createGroup(ownerId: number, name: string): Awaitable<Group>;
  getGroup(groupId: number): Awaitable<Group | null>;
  /** Groups the user is invited to or has accepted, oldest first. */
  groupsOf(userId: number): Awaitable<Array<{ id: number; name: string; status: 'accepted' | 'invited' }>>;
  /** Members with status invited or accepted (declined ones are left out), by id only: names are the UserDirectory's. */
  members(groupId: number): Awaitable<GroupMember[]>;
  memberStatus(groupId: number, userId: number): Awaitable<MemberStatus | null>;
  /**
   * Records an invitation. Throws `ParlorError('forbidden')` unless the
   * inviter is an accepted member when it is stored (checked in the same
   * write), `ParlorError('conflict')` when the user is already invited or
   * accepted, or past the pending-invitation limits (group-limits.ts); a user
   * who declined may be invited again,
   * up to INVITE_LIMIT invitations a day in all (src/store/domain/invitations.ts),
   * then `ParlorError('rate_limited')`. With a `notice`, the invitee's
   * notification is stored in the same transaction (both or neither) and
   * returned; the caller routes it.
   */
  invite(groupId: number, userId: number, invitedBy: number, notice?: Notice): Awaitable<Notification | undefined>;
  /** Answers a pending invitation; false when there is none. */
  respond(groupId: number, userId: number, accept: boolean): Awaitable<boolean>;
  /**
   * An accepted member leaves the group (stored as declined: it may be
   * invited again); false when the user is not an accepted member. Optional,
   * so a GroupStore written before it still compiles: without it
   * `POST /api/groups/:id/leave` falls through.
   */
  leave?(groupId: number, userId: number): Awaitable<boolean>;
  contactsOf(userId: number): Awaitable<readonly number[]>;
}

export interface StoredNotification extends Notification {
  read: boolean;
}

export interface NotificationStore {
  list(userId: number, page: PageQuery): Awaitable<Page<StoredNotification>>;
  unreadCount(userId: number): Awaitable<number>;
  /** Marks the given ids (only the user's own), or all when `ids` is undefined; returns how many changed. */
  markRead(userId: number, ids?: readonly number[]): Awaitable<number>;
}

export type ConversationKey = { kind: 'private'; user_id: number } | { kind: 'group'; group_id: number };
export type Conversation = ConversationKey & {
  last_message: Message;
  unread: number;
  /** Only on a private conversation the user has not written in yet (a message request, contract section 6). */
  request?: true;
};

export interface ConversationStore {
  /**
   * The user's conversations with their last message and unread count, most
   * recent first. `groupIds`: a host's groups the user is an accepted member of
   * (no membership row in the store), listed too.
   */
  conversations(userId: number, groupIds?: readonly number[]): Awaitable<Conversation[]>;
}

/** What a store reports to /metrics (src/metrics.ts, observeStores). */
export interface StoreHealth {
  /** The batched writes: all SQLite writes, PostgreSQL's message inserts. */
  writes: BatchStats & { pending: number };
  /** Null when the cache is off (`membershipCacheGroups: 0`). */
  membershipCache: (MembershipCacheStats & { enabled: boolean; groups: number }) | null;
}

/** The session re-check's one question to a session store (contract section 5). */
export interface LiveSessions {
  /** The ids among `sids` whose session exists and has not expired: one query, whatever the count. */
  liveSessionIds(sids: readonly string[]): Promise<string[]>;
}

/**
 * Ending every sign-in of one user at once (`POST /api/auth/password`,
 * `/logout-all`). The bundled stores find the user's sessions by the
 * `userId` inside each session's JSON: a scan of the sessions table, with no
 * index, for a rare action of one user. Sessions expire and are pruned, so
 * the table stays as large as the sign-ins of the last `sessionMaxAgeMs`.
 */
export interface UserSessions {
  /**
   * Deletes every session (live or expired) whose `userId` is `userId`, but
   * the one named `exceptSid`; resolves with the ids it deleted. A session
   * deleted this way is gone as after `destroy`: a later `touch` of it
   * (a request of it still under way) does not bring it back.
   */
  destroyUserSessions(userId: number, exceptSid?: string): Promise<string[]>;
}

/** Every store of one backend, opened together and closed together. */
export interface Stores {
  /** Human name for logs: "sqlite:./data/parlor.db", "postgres://host/db". */
  readonly description: string;
  users: UserStore;
  tokenVersions: TokenVersionStore;
  groups: GroupStore;
  messages: MessagePersister & Required<Pick<MessagePersister, 'messagesSince' | 'messageByClientId' | 'markDelivered' | 'markRead' | 'markGroupRead'>>;
  notifications: NotificationStore;
  conversations: ConversationStore;
  /** Message requests and blocks (both bundled stores have it). */
  consent?: ConsentStore;
  /** express-session store on the same backend (persistent: a restart keeps people logged in). */
  sessions: SessionStore & LiveSessions & UserSessions;
  /** Resolves when the backend answers; rejects otherwise (/healthz). */
  ping(): Awaitable<void>;
  /** For /metrics, read when scraped: the group-commit queue and the membership cache. */
  health?(): StoreHealth;
  /** Finishes pending writes, then closes. */
  close(): Awaitable<void>;
}
