import type pg from 'pg';
import { ParlorError } from '../../errors.js';
import type { Page, PageQuery } from '../../types.js';
import type { ReadResult, SaveGroupInput, SavePrivateInput, Saved } from '../../websocket/message-persister.js';
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
import type { Stores } from '../types.js';
import type { PgDatabase } from './database.js';
import type { MessageQueue } from './message-queue.js';
import type { PgNotificationStore } from './notification-store.js';
import type { PgReceiptStore } from './receipt-store.js';
import { isForeignKeyViolation } from './sql-errors.js';

/**
 * The SQL of the message paths, exported for the query plan test. Each read
 * is an index range on one of the partial indexes of db/postgres/001_init.sql.
 */
export const MESSAGE_QUERIES = {
  // Idempotent per (sender, client_id): a second insert does nothing and
  // returns no row, also while the first is still uncommitted in another
  // transaction (the unique index makes the second wait for it).
  insert: `INSERT INTO messages (sender_id, recipient_id, group_id, content, client_id)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
    RETURNING ${MESSAGE_COLUMNS}`,
  byClientId: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender_id = $1 AND client_id = $2`,
  // Both directions of one conversation share the (pair_lo, pair_hi, id) index.
  privateHistory: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE pair_lo = $1 AND pair_hi = $2 AND id < $3
    ORDER BY id DESC LIMIT $4 OFFSET $5`,
  groupHistory: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE group_id = $1 AND id < $2
    ORDER BY id DESC LIMIT $3 OFFSET $4`,
  // sync: three kinds of rows, each from its own index and each at most
  // `limit` rows, merged. One statement, so one snapshot. A message to
  // oneself is already in the inbox.
  since: `SELECT ${MESSAGE_COLUMNS} FROM (
      (SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE recipient_id = $1 AND id > $2 ORDER BY id LIMIT $3)
      UNION ALL
      (SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE sender_id = $1 AND recipient_id IS NOT NULL AND recipient_id <> $1 AND id > $2
        ORDER BY id LIMIT $3)
      UNION ALL
      (SELECT m.* FROM group_members gm CROSS JOIN LATERAL (
          SELECT ${MESSAGE_COLUMNS} FROM messages
          WHERE group_id = gm.group_id AND id > $2 ORDER BY id LIMIT $3) m
        WHERE gm.user_id = $1 AND gm.status = 'accepted')
    ) visible ORDER BY id LIMIT $3`,
} as const;

/** MessagePersister with every optional method present. */
type FullMessagePersister = Stores['messages'];

type Kind = 'private' | 'group';

/**
 * Stores one message inside the caller's transaction: the new row, or the
 * one stored earlier under (sender, client_id). Exported so a test can race
 * two transactions on it directly.
 */
export async function insertMessage(
  client: pg.ClientBase,
  input: { from: number; to: number | null; group: number | null; content: string; clientId?: string },
): Promise<{ row: MessageRow; duplicate: boolean }> {
  const kind: Kind = input.group === null ? 'private' : 'group';
  let inserted: pg.QueryResult<MessageRow>;
  try {
    inserted = await client.query<MessageRow>(MESSAGE_QUERIES.insert, [
      input.from,
      input.to,
      input.group,
      input.content,
      input.clientId ?? null,
    ]);
  } catch (err) {
    if (isForeignKeyViolation(err, 'messages_group_fkey')) throw new ParlorError('not_found', `group ${input.group} does not exist`);
    throw err;
  }
  const row = inserted.rows[0];
  if (row) return { row, duplicate: false };

  // ON CONFLICT did nothing: the row exists and is committed (READ COMMITTED:
  // this statement sees what committed while the insert waited).
  const earlier = (await client.query<MessageRow>(MESSAGE_QUERIES.byClientId, [input.from, input.clientId])).rows[0];
  if (!earlier) throw new Error(`message (${input.from}, ${input.clientId}) conflicted but cannot be read`);
  // The same client_id cannot name a private and a group message at once.
  if ((earlier.group_id === null) !== (kind === 'private')) {
    const other = kind === 'private' ? 'group' : 'private';
    throw new ParlorError('bad_request', `client_id ${input.clientId} was already used for a ${other} message`);
  }
  return { row: earlier, duplicate: true };
}

export class PgMessageStore implements FullMessagePersister {
  constructor(
    private readonly db: PgDatabase,
    private readonly queue: MessageQueue,
    private readonly receipts: PgReceiptStore,
    private readonly notifications: PgNotificationStore,
  ) {}

  async savePrivate(input: SavePrivateInput): Promise<Saved<PrivateMessage>> {
    const { row, duplicate } = await this.queue.enqueue((client) =>
      insertMessage(client, { from: input.from, to: input.to, group: null, content: input.content, clientId: input.clientId }),
    );
    return { message: toPrivateMessage(row), duplicate };
  }

  async saveGroup(input: SaveGroupInput): Promise<Saved<GroupMessage>> {
    const { row, duplicate } = await this.queue.enqueue((client) =>
      insertMessage(client, { from: input.from, to: null, group: input.groupId, content: input.content, clientId: input.clientId }),
    );
    return { message: toGroupMessage(row), duplicate };
  }

  saveNotification(userId: number, subtype: string, message: string, data?: Record<string, unknown>): Promise<Notification> {
    return this.notifications.save(userId, subtype, message, data);
  }

  async privateHistory(userId: number, otherId: number, page: PageQuery): Promise<Page<PrivateMessage>> {
    const p = pageParams(page);
    const rows = await this.db.rows<MessageRow>(MESSAGE_QUERIES.privateHistory, [
      Math.min(userId, otherId),
      Math.max(userId, otherId),
      p.before,
      p.take,
      p.offset,
    ]);
    return toPage(rows, page.limit, toPrivateWithStatus);
  }

  async groupHistory(groupId: number, page: PageQuery): Promise<Page<GroupMessage>> {
    const p = pageParams(page);
    const rows = await this.db.rows<MessageRow>(MESSAGE_QUERIES.groupHistory, [groupId, p.before, p.take, p.offset]);
    return toPage(rows, page.limit, toGroupMessage);
  }

  /**
   * Oldest first, ids > sinceId: private messages sent to or by the user, and
   * every message of the groups the user is an accepted member of now,
   * including those from before the user joined. Invited or declined: nothing.
   */
  async messagesSince(userId: number, sinceId: number, limit: number): Promise<Message[]> {
    if (limit <= 0) return [];
    return (await this.db.rows<MessageRow>(MESSAGE_QUERIES.since, [userId, sinceId, limit])).map(toMessage);
  }

  markDelivered(messageId: number, recipientId: number): Promise<boolean> {
    return this.receipts.markDelivered(messageId, recipientId);
  }

  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.receipts.markRead(userId, messageId);
  }

  markGroupRead(userId: number, groupId: number, messageId: number): Promise<boolean> {
    return this.receipts.markGroupRead(userId, groupId, messageId);
  }
}
