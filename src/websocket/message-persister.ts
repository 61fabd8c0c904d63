import type { GroupMessage, Message, Notification, PrivateMessage } from './protocol.js';
import type { Conversation, StoredNotification } from '../store/types.js';
import type { Awaitable, Page, PageQuery } from '../types.js';

export interface SavePrivateInput {
  from: number;
  to: number;
  content: string;
  clientId?: string;
}

export interface SaveGroupInput {
  from: number;
  groupId: number;
  content: string;
  clientId?: string;
}

/** `duplicate` is true when (from, clientId) was stored before: the earlier message comes back. */
export interface Saved<M> {
  message: M;
  duplicate: boolean;
}

/**
 * What a group read did: false when the message is not in that group;
 * `'unchanged'` when the user's marker was already at or past it (nothing
 * to tell the reader's other connections: a receipt would move theirs back);
 * true when it moved (or a persister that does not say).
 */
export type GroupReadResult = boolean | 'unchanged';

/**
 * What a private `read` moved: the sender to tell, and the newest message now
 * read. `delivered`: the messages the read also marked delivered (no
 * `delivered` mark had set them yet), so that the Manager announces them, as
 * the mark that now finds them delivered will not. Optional for a host's
 * persister (without it such messages get no `delivered` receipt).
 * `unchanged`: true when the read marked nothing and moved no marker (the
 * message was already read): nobody is told again. `markerMoved`: false when
 * the reader's marker stayed where it was (it is past the message), though
 * the read marked something below it (on PostgreSQL a message can commit
 * after a later one of its conversation was read): the sender is told, the
 * reader's other devices are not (a receipt would move their marker back).
 * Both optional (without them every read is told to everyone).
 */
export interface ReadResult {
  senderId: number;
  messageId: number;
  delivered?: number[];
  unchanged?: boolean;
  markerMoved?: boolean;
}

/**
 * Stores and pages messages. A method resolves only once the write is durable:
 * the Manager acks after it.
 *
 * Required:
 * - `savePrivate(input)`: the Manager has asked the UserDirectory that `to` exists.
 * - `saveGroup(input)`: membership is checked by the Manager before.
 * - `saveNotification(userId, subtype, message, data)`: `userId` was checked the same way.
 * - `privateHistory(userId, otherId, page)`, `groupHistory(groupId, page)`: newest first.
 *
 * Optional (the feature is off without them):
 * - `messagesSince(userId, sinceId, limit, groupIds?)`: `sync`; oldest first, ids > sinceId the user may see.
 *   `groupIds`: the groups the GroupMemberFetcher's `groupsOf` lists the user as an accepted member of
 *   (a host's groups, which no store table knows); their messages are visible too.
 * - `messageByClientId(senderId, clientId)`: the message stored under that client_id, or null. Asked only
 *   when a send with a client_id is refused (a block, a group left, a budget): a resend of a message that
 *   was stored (to the same recipient or group) answers with it, as every resend does. Without it such a
 *   resend gets the refusal.
 * - `markDelivered(messageId, recipientId)`: true when it was not delivered before.
 * - `markRead(userId, messageId)`: private read; null when the message is not to the user.
 * - `markGroupRead(userId, groupId, messageId)`: moves the user's read marker in a group (GroupReadResult).
 *
 * Optional reads of a host's persister for Parlor's list routes (createParlor;
 * with the bundled stores those routes read the stores). Without them the
 * route falls through to the host, since Parlor's tables hold none of the
 * persister's messages:
 * - `conversationsOf(userId, groupIds?)`: `GET /api/conversations`, most recent
 *   first, without `request` (Parlor marks requests from its ConsentStore).
 * - `notificationsOf(userId, page)`, `unreadNotificationCount(userId)`,
 *   `markNotificationsRead(userId, ids?)`: `GET /api/notifications` and
 *   `POST /api/notifications/read`; all three or none.
 */
export interface MessagePersister {
  savePrivate(input: SavePrivateInput): Awaitable<Saved<PrivateMessage>>;
  saveGroup(input: SaveGroupInput): Awaitable<Saved<GroupMessage>>;
  saveNotification(
    userId: number,
    subtype: string,
    message: string,
    data?: Record<string, unknown>,
  ): Awaitable<Notification>;
  privateHistory(userId: number, otherId: number, page: PageQuery): Awaitable<Page<PrivateMessage>>;
  groupHistory(groupId: number, page: PageQuery): Awaitable<Page<GroupMessage>>;

  messagesSince?(userId: number, sinceId: number, limit: number, groupIds?: readonly number[]): Awaitable<Message[]>;
  messageByClientId?(senderId: number, clientId: string): Awaitable<Message | null>;
  markDelivered?(messageId: number, recipientId: number): Awaitable<boolean>;
  markRead?(userId: number, messageId: number): Awaitable<ReadResult | null>;
  markGroupRead?(userId: number, groupId: number, messageId: number): Awaitable<GroupReadResult>;

  conversationsOf?(userId: number, groupIds?: readonly number[]): Awaitable<Conversation[]>;
  notificationsOf?(userId: number, page: PageQuery): Awaitable<Page<StoredNotification>>;
  unreadNotificationCount?(userId: number): Awaitable<number>;
  /** Marks the given ids (only the user's own), or all when `ids` is undefined; returns how many changed. */
  markNotificationsRead?(userId: number, ids?: readonly number[]): Awaitable<number>;
}
