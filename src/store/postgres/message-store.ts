import type { Page, PageQuery } from '../../types.js';
import type { GroupReadResult, ReadResult, SaveGroupInput, SavePrivateInput, Saved } from '../../websocket/message-persister.js';
import type { GroupMessage, Message, Notification, PrivateMessage } from '../../websocket/protocol.js';
import {
  MESSAGE_COLUMNS,
  type MessageRow,
  pageParams,
  toGroupMessage,
  toMessage,
  toPage,
  toPrivateMessage,
  toPrivateWithStatus,
} from '../rows.js';
import { HISTORY_SQL, MESSAGE_BY_CLIENT_ID_SQL } from '../domain/messages.js';
import type { Stores } from '../types.js';
import type { PgDatabase } from './database.js';
import type { MessageQueue } from './message-queue.js';
import { positional } from './named-params.js';
import type { PgNotificationStore } from './notification-store.js';
import type { PgReceiptStore } from './receipt-store.js';

const PRIVATE_HISTORY = positional<{ lo: number; hi: number; before: number; take: number; offset: number }>(HISTORY_SQL.private);
const GROUP_HISTORY = positional<{ group: number; before: number; take: number; offset: number }>(HISTORY_SQL.group);
const BY_CLIENT_ID = positional<{ sender: number; clientId: string }>(MESSAGE_BY_CLIENT_ID_SQL);

/**
 * The SQL of the message paths, exported for the query plan test. Each read
 * is an index range on one of the partial indexes of db/postgres/001_init.sql.
 */
export const MESSAGE_QUERIES = {
  privateHistory: PRIVATE_HISTORY.text,
  groupHistory: GROUP_HISTORY.text,
  // The visibility horizon (db/postgres/002_message_write_slots.sql): every
  // id up to it is committed or rolled back. Waits for the batches in flight.
  horizon: `SELECT parlor_message_horizon() AS horizon`,
  // sync: three kinds of rows, each from its own index and each at most
  // `limit` rows, merged, none above the horizon $4 (taken by a statement
  // that returned before this one started). One statement, so one snapshot.
  // The groups: the user's accepted memberships here, and $5, a host's
  // groups the user is an accepted member of (no row here).
  // A message to oneself is already in the inbox.
  since: `SELECT ${MESSAGE_COLUMNS} FROM (
      (SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE recipient_id = $1 AND id > $2 AND id <= $4 ORDER BY id LIMIT $3)
      UNION ALL
      (SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE sender_id = $1 AND recipient_id IS NOT NULL AND recipient_id <> $1 AND id > $2 AND id <= $4
        ORDER BY id LIMIT $3)
      UNION ALL
      (SELECT m.* FROM (
          SELECT group_id FROM group_members WHERE user_id = $1 AND status = 'accepted'
          UNION SELECT unnest($5::bigint[])) gm CROSS JOIN LATERAL (
          SELECT ${MESSAGE_COLUMNS} FROM messages
          WHERE group_id = gm.group_id AND id > $2 AND id <= $4 ORDER BY id LIMIT $3) m)
    ) visible ORDER BY id LIMIT $3`,
} as const;

/** MessagePersister with every optional method present. */
type FullMessagePersister = Stores['messages'];

/** Stores one message inside the caller's transaction; exported so a test can race two transactions on it. */
export { insertMessage } from './message-insert.js';

export class PgMessageStore implements FullMessagePersister {
  constructor(
    private readonly db: PgDatabase,
    private readonly queue: MessageQueue,
    private readonly receipts: PgReceiptStore,
    private readonly notifications: PgNotificationStore,
  ) {}

  async savePrivate(input: SavePrivateInput): Promise<Saved<PrivateMessage>> {
    const { row, duplicate } = await this.queue.enqueue({ from: input.from, to: input.to, group: null, content: input.content, clientId: input.clientId });
    return { message: toPrivateMessage(row), duplicate };
  }

  async saveGroup(input: SaveGroupInput): Promise<Saved<GroupMessage>> {
    const { row, duplicate } = await this.queue.enqueue({ from: input.from, to: null, group: input.groupId, content: input.content, clientId: input.clientId });
    return { message: toGroupMessage(row), duplicate };
  }

  saveNotification(userId: number, subtype: string, message: string, data?: Record<string, unknown>): Promise<Notification> {
    return this.notifications.save(userId, subtype, message, data);
  }

  async privateHistory(userId: number, otherId: number, page: PageQuery): Promise<Page<PrivateMessage>> {
    const pair = { lo: Math.min(userId, otherId), hi: Math.max(userId, otherId) };
    const rows = await this.db.rows<MessageRow>(PRIVATE_HISTORY.text, PRIVATE_HISTORY.values({ ...pair, ...pageParams(page) }));
    return toPage(rows, page.limit, toPrivateWithStatus);
  }

  async groupHistory(groupId: number, page: PageQuery): Promise<Page<GroupMessage>> {
    const rows = await this.db.rows<MessageRow>(GROUP_HISTORY.text, GROUP_HISTORY.values({ group: groupId, ...pageParams(page) }));
    return toPage(rows, page.limit, toGroupMessage);
  }

  /**
   * Oldest first, ids > sinceId: private messages sent to or by the user, and
   * every message of the groups the user is an accepted member of now,
   * including those from before the user joined. Invited or declined: nothing.
   * Only ids up to the horizon: a message still being committed, and every
   * message after it, waits for the next call, so the last id returned is a
   * cursor that never skips one. `groupIds`: a host's groups the user is an
   * accepted member of (no `group_members` row here), read the same way.
   */
  async messagesSince(userId: number, sinceId: number, limit: number, groupIds: readonly number[] = []): Promise<Message[]> {
    if (limit <= 0) return [];
    const [{ horizon }] = (await this.db.rows<{ horizon: number }>(MESSAGE_QUERIES.horizon)) as [{ horizon: number }];
    if (horizon <= sinceId) return [];
    return (await this.db.rows<MessageRow>(MESSAGE_QUERIES.since, [userId, sinceId, limit, horizon, [...groupIds]])).map(toMessage);
  }

  async messageByClientId(senderId: number, clientId: string): Promise<Message | null> {
    const [row] = await this.db.rows<MessageRow>(BY_CLIENT_ID.text, BY_CLIENT_ID.values({ sender: senderId, clientId }));
    return row ? toMessage(row) : null;
  }

  markDelivered(messageId: number, recipientId: number): Promise<boolean> {
    return this.receipts.markDelivered(messageId, recipientId);
  }

  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.receipts.markRead(userId, messageId);
  }

  markGroupRead(userId: number, groupId: number, messageId: number): Promise<GroupReadResult> {
    return this.receipts.markGroupRead(userId, groupId, messageId);
  }
}
