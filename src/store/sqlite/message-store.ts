import type { Database } from 'better-sqlite3';
import type { Page, PageQuery } from '../../types.js';
import type {
  GroupReadResult,
  ReadResult,
  SaveGroupInput,
  SavePrivateInput,
  Saved,
} from '../../websocket/message-persister.js';
import type { GroupMessage, Message, Notification, PrivateMessage } from '../../websocket/protocol.js';
import { sqliteDialect } from '../dialect.js';
import { HISTORY_SQL, MESSAGE_BY_CLIENT_ID_SQL } from '../domain/messages.js';
import type { Stores } from '../types.js';
import type { SqliteNotificationStore } from './notification-store.js';
import { MESSAGE_COLUMNS, type MessageRow, pageParams, toGroupMessage, toMessage, toPage, toPrivateWithStatus } from '../rows.js';
import { savedGroup, savedPrivate } from './message-writes.js';
import type { SqliteWriter } from './sqlite-writer.js';

type PageParams = { before: number; offset: number; take: number };

const byId = (a: MessageRow, b: MessageRow): number => a.id - b.id;

/**
 * The SQL of the read paths, exported so a test can check with EXPLAIN QUERY
 * PLAN that each one is an index range, never a scan of the messages table.
 */
export const MESSAGE_QUERIES = {
  privateHistory: HISTORY_SQL.private,
  groupHistory: HISTORY_SQL.group,
  // sync reads each private conversation (from private_peers) and each accepted
  // group from its own index range above the cursor, and merges them; once
  // `limit` rows are found, later ranges only look below the newest kept id.
  pairSince: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE pair_lo = @lo AND pair_hi = @hi AND id > @since AND id < @below ORDER BY id LIMIT @limit`,
  groupSince: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE group_id = @group AND id > @since AND id < @below ORDER BY id LIMIT @limit`,
  // Which of them have anything above the cursor, asked in one statement: a
  // sync with nothing new (or news in a few) costs one index probe per
  // conversation inside SQLite, not a statement call each from JavaScript
  // (5,000 conversations: an empty sync 100 ms -> a few ms). @groups: the
  // host's groups of the user, a JSON array.
  peersWithNews: `SELECT p.peer_id FROM private_peers p WHERE p.user_id = @user
    AND EXISTS (SELECT 1 FROM messages WHERE pair_lo = min(@user, p.peer_id) AND pair_hi = max(@user, p.peer_id) AND id > @since)`,
  groupsWithNews: `SELECT g.id FROM (
      SELECT group_id AS id FROM group_members WHERE user_id = @user AND status = 'accepted'
      UNION ${sqliteDialect.idsIn('@groups')}) g
    WHERE EXISTS (SELECT 1 FROM messages WHERE group_id = g.id AND id > @since)`,
} as const;

/** MessagePersister with every optional method present. */
type FullMessagePersister = Stores['messages'];

export class SqliteMessageStore implements FullMessagePersister {
  private readonly privatePage;
  private readonly groupPage;
  private readonly pairSince;
  private readonly groupSince;
  private readonly byClientId;
  private readonly peersWithNews;
  private readonly groupsWithNews;
  private readonly readSince: (userId: number, sinceId: number, limit: number, groupIds: readonly number[]) => MessageRow[];

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
    private readonly notifications: SqliteNotificationStore,
  ) {
    this.privatePage = db.prepare<PageParams & { lo: number; hi: number }, MessageRow>(MESSAGE_QUERIES.privateHistory);
    this.groupPage = db.prepare<PageParams & { group: number }, MessageRow>(MESSAGE_QUERIES.groupHistory);
    type Since = { since: number; below: number; limit: number };
    this.pairSince = db.prepare<Since & { lo: number; hi: number }, MessageRow>(MESSAGE_QUERIES.pairSince);
    this.groupSince = db.prepare<Since & { group: number }, MessageRow>(MESSAGE_QUERIES.groupSince);
    this.byClientId = db.prepare<{ sender: number; clientId: string }, MessageRow>(MESSAGE_BY_CLIENT_ID_SQL);
    type News = { user: number; since: number; groups: string };
    this.peersWithNews = db.prepare<News, number>(MESSAGE_QUERIES.peersWithNews).pluck();
    this.groupsWithNews = db.prepare<News, number>(MESSAGE_QUERIES.groupsWithNews).pluck();
    // One read transaction, so the pieces come from the same snapshot.
    this.readSince = db.transaction((user: number, since: number, limit: number, groupIds: readonly number[]) => {
      const rows: MessageRow[] = [];
      // One parameter object for every range, changed in place: a fresh one per conversation was half of a sync's time.
      const range = { since, below: Number.MAX_SAFE_INTEGER, limit, lo: 0, hi: 0, group: 0 };
      const keep = (found: MessageRow[]): void => {
        rows.push(...found);
        if (rows.length < limit) return;
        rows.sort(byId).length = limit;
        range.below = rows[limit - 1]!.id;
      };
      const news = { user, since, groups: JSON.stringify(groupIds) };
      for (const peer of this.peersWithNews.all(news)) {
        range.lo = Math.min(user, peer);
        range.hi = Math.max(user, peer);
        keep(this.pairSince.all(range));
      }
      for (const group of this.groupsWithNews.all(news)) {
        range.group = group;
        keep(this.groupSince.all(range));
      }
      return rows.sort(byId);
    });
  }

  /** The writer answers a new message with its id and timestamp only (message-writes.ts); the rest is the input. */
  savePrivate({ from, to, content, clientId }: SavePrivateInput): Promise<Saved<PrivateMessage>> {
    const saving = this.writer.run('savePrivate', from, to, content, clientId ?? null, this.now());
    return saving.then((answer) => savedPrivate(answer, from, to, content));
  }

  saveGroup({ from, groupId, content, clientId }: SaveGroupInput): Promise<Saved<GroupMessage>> {
    const saving = this.writer.run('saveGroup', from, groupId, content, clientId ?? null, this.now());
    return saving.then((answer) => savedGroup(answer, from, groupId, content));
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
   * `groupIds`: a host's groups the user is an accepted member of (no
   * `group_members` row here), read the same way.
   */
  messagesSince(userId: number, sinceId: number, limit: number, groupIds: readonly number[] = []): Message[] {
    if (limit <= 0) return [];
    return this.readSince(userId, sinceId, limit, groupIds).map(toMessage);
  }

  messageByClientId(senderId: number, clientId: string): Message | null {
    const row = this.byClientId.get({ sender: senderId, clientId });
    return row ? toMessage(row) : null;
  }

  markDelivered(messageId: number, recipientId: number): Promise<boolean> {
    return this.writer.run('markDelivered', messageId, recipientId, this.now());
  }

  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.writer.run('markRead', userId, messageId, this.now());
  }

  markGroupRead(userId: number, groupId: number, messageId: number): Promise<GroupReadResult> {
    return this.writer.run('markGroupRead', userId, groupId, messageId, this.now());
  }
}
