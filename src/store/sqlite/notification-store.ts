import type { Database } from 'better-sqlite3';
import type { Page, PageQuery } from '../../types.js';
import type { Notification } from '../../websocket/protocol.js';
import type { NotificationStore, StoredNotification } from '../types.js';
import { NOTIFICATION_PAGE_SQL, type NotificationRow, toStoredNotification } from '../domain/notifications.js';
import { pageParams, toPage } from '../rows.js';
import type { SqliteWriter } from './sqlite-writer.js';
import { UNREAD_CAP } from '../unread.js';

/** A row as SQLite returns it: `data` is JSON text, `read` 0 or 1. */
interface SqliteNotificationRow extends Omit<NotificationRow, 'data' | 'read'> {
  data: string;
  read: 0 | 1;
}

function toStored(r: SqliteNotificationRow): StoredNotification {
  return toStoredNotification({ ...r, data: JSON.parse(r.data) as Record<string, unknown>, read: r.read === 1 });
}

export class SqliteNotificationStore implements NotificationStore {
  private readonly page;
  private readonly unread;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
  ) {
    this.page = db.prepare<{ user: number; before: number; take: number; offset: number }, SqliteNotificationRow>(NOTIFICATION_PAGE_SQL);
    this.unread = db
      .prepare<[number], number>(`SELECT count(*) FROM (SELECT 1 FROM notifications WHERE user_id = ? AND read = 0 LIMIT ${UNREAD_CAP})`)
      .pluck();
  }

  /** Stores a notification; resolves after COMMIT (MessagePersister.saveNotification). */
  save(userId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> {
    return this.writer.run('saveNotification', userId, subtype, message, data, this.now());
  }

  list(userId: number, page: PageQuery): Page<StoredNotification> {
    const p = pageParams(page);
    return toPage(this.page.all({ user: userId, ...p }), page.limit, toStored);
  }

  /** At most UNREAD_CAP (src/store/unread.ts): a long unread backlog costs no more than that. */
  unreadCount(userId: number): number {
    return this.unread.get(userId)!;
  }

  markRead(userId: number, ids?: readonly number[]): Promise<number> {
    if (ids !== undefined && ids.length === 0) return Promise.resolve(0);
    return this.writer.run('markNotificationsRead', userId, ids === undefined ? null : JSON.stringify(ids));
  }
}
