/** Row shapes shared by the SQLite and PostgreSQL stores, and their wire objects (src/websocket/protocol.ts). */
import type { GroupMessage, Message, PrivateMessage } from '../websocket/protocol.js';
import type { Account, Conversation, UserWithSecret } from './types.js';

/** The columns every message query selects, in this order. */
export const MESSAGE_COLUMNS = 'id, sender_id, recipient_id, group_id, content, created_at, delivered_at, read_at';

export interface MessageRow {
  id: number;
  sender_id: number;
  recipient_id: number | null;
  group_id: number | null;
  content: string;
  created_at: number;
  delivered_at: number | null;
  read_at: number | null;
}

export function toPrivateMessage(r: MessageRow): PrivateMessage {
  return { id: r.id, from: r.sender_id, to: r.recipient_id!, content: r.content, timestamp: r.created_at };
}

export function toGroupMessage(r: MessageRow): GroupMessage {
  return { id: r.id, from: r.sender_id, group_id: r.group_id!, content: r.content, timestamp: r.created_at };
}

export function toMessage(r: MessageRow): Message {
  return r.group_id === null ? toPrivateMessage(r) : toGroupMessage(r);
}

/** A private message with its delivery state, for history pages. */
export function toPrivateWithStatus(r: MessageRow): PrivateMessage {
  const status = r.read_at !== null ? 'read' : r.delivered_at !== null ? 'delivered' : 'sent';
  return { ...toPrivateMessage(r), status };
}

/** The statement parameters of a page: ids below `before`, then `offset`, one row more than `limit`. */
export function pageParams(page: { limit: number; offset?: number; before?: number }): {
  before: number;
  offset: number;
  take: number;
} {
  return {
    before: page.before ?? Number.MAX_SAFE_INTEGER,
    offset: page.offset ?? 0,
    take: page.limit + 1,
  };
}

/** Splits the extra row a page query fetched off into `hasMore`. */
export function toPage<R, T>(rows: R[], limit: number, map: (r: R) => T): { items: T[]; hasMore: boolean } {
  const hasMore = rows.length > limit;
  return { items: (hasMore ? rows.slice(0, limit) : rows).map(map), hasMore };
}

/** A conversation row: the conversation's key, its newest message, and the unread count. */
export interface ConversationRow extends MessageRow {
  kind: 'private' | 'group';
  target: number;
  unread: number;
  /** 0/1 in SQLite, boolean in PostgreSQL. */
  request: boolean | number;
}

/** MESSAGE_COLUMNS qualified with the alias `m.`, for the conversation queries. */
export const MESSAGE_COLUMNS_OF_M = MESSAGE_COLUMNS.split(', ')
  .map((c) => `m.${c}`)
  .join(', ');

export function toConversation(r: ConversationRow): Conversation {
  const key = r.kind === 'private' ? { kind: 'private' as const, user_id: r.target } : { kind: 'group' as const, group_id: r.target };
  const conversation: Conversation = { ...key, last_message: toMessage(r), unread: r.unread };
  if (r.request) conversation.request = true;
  return conversation;
}

/** A row of the users table. */
export interface UserRow {
  id: number;
  username: string;
  password_hash: string;
}

export const USER_COLUMNS = 'id, username, password_hash';

export function toUser(r: UserRow): UserWithSecret {
  return { id: r.id, username: r.username, passwordHash: r.password_hash };
}

/** The columns of an account as its tokens need it (findAccount). */
export const ACCOUNT_COLUMNS = 'id, username, created_at';

export interface AccountRow {
  id: number;
  username: string;
  /** Unix ms on both stores (SQLite: the store's clock; PostgreSQL: parlor_now_ms()). */
  created_at: number;
}

export function toAccount(r: AccountRow): Account {
  return { id: r.id, username: r.username, createdAt: r.created_at };
}
