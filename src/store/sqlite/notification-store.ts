import type { Database } from 'better-sqlite3';
import { ParlorError } from '../../errors.js';
import type { Page, PageQuery } from '../../types.js';
import type { Notification } from '../../websocket/protocol.js';
import type { NotificationStore, StoredNotification } from '../types.js';
import { pageParams, toPage } from '../rows.js';
import type { WriteQueue } from './write-queue.js';

interface NotificationRow {
  id: number;
  subtype: string;
  message: string;
  data: string;
  read: 0 | 1;
  created_at: number;
}

/**
 * `data` is stored as a JSON object and spread into the notification. The
 * stored fields come last, so data can never override `id`, `subtype`,
 * `message`, `read` or `timestamp`.
 */
function toStored(r: NotificationRow): StoredNotification {
  const data = JSON.parse(r.data) as Record<string, unknown>;
  return { ...data, id: r.id, subtype: r.subtype, message: r.message, read: r.read === 1, timestamp: r.created_at };
}

export class SqliteNotificationStore implements NotificationStore {
  private readonly insert;
  private readonly userExists;
  private readonly page;
  private readonly unread;
  private readonly readAll;
  private readonly readSome;

  constructor(
    db: Database,
    private readonly queue: WriteQueue,
    private readonly now: () => number,
  ) {
    this.insert = db
      .prepare<[number, string, string, string, number], number>(
        'INSERT INTO notifications (user_id, subtype, message, data, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
      )
      .pluck();
    this.userExists = db.prepare<[number], number>('SELECT 1 FROM users WHERE id = ?').pluck();
    this.page = db.prepare<{ user: number; before: number; take: number; offset: number }, NotificationRow>(
      `SELECT id, subtype, message, data, read, created_at FROM notifications
       WHERE user_id = @user AND id < @before
       ORDER BY id DESC LIMIT @take OFFSET @offset`,
    );
    this.unread = db
      .prepare<[number], number>('SELECT count(*) FROM notifications WHERE user_id = ? AND read = 0')
      .pluck();
    this.readAll = db.prepare<{ user: number }>('UPDATE notifications SET read = 1 WHERE user_id = @user AND read = 0');
    // The ids travel as one JSON array, so one prepared statement serves any count.
    this.readSome = db.prepare<{ user: number; ids: string }>(
      `UPDATE notifications SET read = 1
       WHERE user_id = @user AND read = 0 AND id IN (SELECT value FROM json_each(@ids))`,
    );
  }

  /** Stores a notification; resolves after COMMIT (MessagePersister.saveNotification). */
  save(userId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> {
    return this.queue.enqueue(() => {
      const json = JSON.stringify(data);
      if (this.userExists.get(userId) === undefined) {
        throw new ParlorError('not_found', `user ${userId} does not exist`);
      }
      const timestamp = this.now();
      const id = this.insert.get(userId, subtype, message, json, timestamp)!;
      return { ...data, id, subtype, message, timestamp };
    });
  }

  list(userId: number, page: PageQuery): Page<StoredNotification> {
    const p = pageParams(page);
    return toPage(this.page.all({ user: userId, ...p }), page.limit, toStored);
  }

  unreadCount(userId: number): number {
    return this.unread.get(userId)!;
  }

  markRead(userId: number, ids?: readonly number[]): Promise<number> {
    if (ids !== undefined && ids.length === 0) return Promise.resolve(0);
    const list = ids === undefined ? undefined : JSON.stringify(ids);
    return this.queue.enqueue(() =>
      list === undefined
        ? this.readAll.run({ user: userId }).changes
        : this.readSome.run({ user: userId, ids: list }).changes,
    );
  }
}
