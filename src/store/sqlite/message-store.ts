import type { Database } from 'better-sqlite3';
import type { Page, PageQuery } from '../../types.js';
import type {
  ReadResult,
  SaveGroupInput,
  SavePrivateInput,
  Saved,
} from '../../websocket/message-persister.js';
import type { GroupMessage, Message, Notification, PrivateMessage } from '../../websocket/protocol.js';
import type { Stores } from '../types.js';
import type { SqliteNotificationStore } from './notification-store.js';
import { MESSAGE_COLUMNS, type MessageRow, pageParams, toGroupMessage, toMessage, toPage, toPrivateWithStatus } from '../rows.js';
import type { SqliteWriter } from './sqlite-writer.js';

type PageParams = { before: number; offset: number; take: number };

/**
 * The SQL of the read paths, exported so a test can check with EXPLAIN QUERY
 * PLAN that each one is an index range, never a scan of the messages table.
 */
export const MESSAGE_QUERIES = {
  // Both directions of one conversation share the (pair_lo, pair_hi, id) index.
  privateHistory: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE pair_lo = @lo AND pair_hi = @hi AND id < @before
    ORDER BY id DESC LIMIT @take OFFSET @offset`,
  groupHistory: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE group_id = @group AND id < @before
    ORDER BY id DESC LIMIT @take OFFSET @offset`,
  // sync reads three kinds of rows, each from its own index, each at most
  // `limit` rows, and merges them: bounded work whatever the store's size.
  inboxSince: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE recipient_id = @user AND id > @since ORDER BY id LIMIT @limit`,
  // A message to oneself is already in the inbox.
  outboxSince: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE sender_id = @user AND recipient_id IS NOT NULL AND recipient_id <> @user AND id > @since
    ORDER BY id LIMIT @limit`,
  groupSince: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE group_id = @group AND id > @since ORDER BY id LIMIT @limit`,
} as const;

/** MessagePersister with every optional method present. */
type FullMessagePersister = Stores['messages'];

export class SqliteMessageStore implements FullMessagePersister {
  private readonly privatePage;
  private readonly groupPage;
  private readonly inboxSince;
  private readonly outboxSince;
  private readonly groupSince;
  private readonly acceptedGroups;
  private readonly readSince: (userId: number, sinceId: number, limit: number) => MessageRow[];

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
    private readonly notifications: SqliteNotificationStore,
  ) {
    this.privatePage = db.prepare<PageParams & { lo: number; hi: number }, MessageRow>(MESSAGE_QUERIES.privateHistory);
    this.groupPage = db.prepare<PageParams & { group: number }, MessageRow>(MESSAGE_QUERIES.groupHistory);
    type Since = { user: number; since: number; limit: number };
    this.inboxSince = db.prepare<Since, MessageRow>(MESSAGE_QUERIES.inboxSince);
    this.outboxSince = db.prepare<Since, MessageRow>(MESSAGE_QUERIES.outboxSince);
    this.groupSince = db.prepare<{ group: number; since: number; limit: number }, MessageRow>(MESSAGE_QUERIES.groupSince);
    this.acceptedGroups = db
      .prepare<[number], number>(`SELECT group_id FROM group_members WHERE user_id = ? AND status = 'accepted'`)
      .pluck();
    // One read transaction, so the pieces come from the same snapshot.
    this.readSince = db.transaction((user: number, since: number, limit: number) => {
      const rows = [...this.inboxSince.all({ user, since, limit }), ...this.outboxSince.all({ user, since, limit })];
      for (const group of this.acceptedGroups.all(user)) rows.push(...this.groupSince.all({ group, since, limit }));
      return rows.sort((a, b) => a.id - b.id).slice(0, limit);
    });
  }

  savePrivate(input: SavePrivateInput): Promise<Saved<PrivateMessage>> {
    return this.writer.run('savePrivate', input, this.now());
  }

  saveGroup(input: SaveGroupInput): Promise<Saved<GroupMessage>> {
    return this.writer.run('saveGroup', input, this.now());
  }

  saveNotification(userId: number, subtype: string, message: string, data?: Record<string, unknown>): Promise<Notification> {
    return this.notifications.save(userId, subtype, message, data);
  }

  privateHistory(userId: number, otherId: number, page: PageQuery): Page<PrivateMessage> {
    const pair = { lo: Math.min(userId, otherId), hi: Math.max(userId, otherId) };
    return toPage(this.privatePage.all({ ...pair, ...pageParams(page) }), page.limit, toPrivateWithStatus);
  }

  groupHistory(groupId: number, page: PageQuery): Page<GroupMessage> {
    return toPage(this.groupPage.all({ group: groupId, ...pageParams(page) }), page.limit, toGroupMessage);
  }

  /**
   * Oldest first, ids > sinceId: private messages sent to or by the user, and
   * every message of the groups the user is an accepted member of now,
   * including those from before the user joined (the group's history is the
   * member's to read, as in groupHistory). Invited or declined: nothing.
   */
  messagesSince(userId: number, sinceId: number, limit: number): Message[] {
    if (limit <= 0) return [];
    return this.readSince(userId, sinceId, limit).map(toMessage);
  }

  markDelivered(messageId: number, recipientId: number): Promise<boolean> {
    return this.writer.run('markDelivered', messageId, recipientId, this.now());
  }

  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.writer.run('markRead', userId, messageId, this.now());
  }

  markGroupRead(userId: number, groupId: number, messageId: number): Promise<boolean> {
    return this.writer.run('markGroupRead', userId, groupId, messageId, this.now());
  }
}
