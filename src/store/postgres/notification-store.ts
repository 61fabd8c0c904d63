import type { Page, PageQuery } from '../../types.js';
import type { Notification } from '../../websocket/protocol.js';
import { pageParams, toPage } from '../rows.js';
import type { NotificationStore, StoredNotification } from '../types.js';
import type { PgDatabase } from './database.js';
import { UNREAD_CAP } from '../unread.js';

interface NotificationRow {
  id: number;
  subtype: string;
  message: string;
  data: Record<string, unknown>;
  read: boolean;
  created_at: number;
}

/**
 * `data` is stored as a JSONB object and spread into the notification. The
 * stored fields come last, so data can never override `id`, `subtype`,
 * `message`, `read` or `timestamp`.
 */
function toStored(r: NotificationRow): StoredNotification {
  return { ...r.data, id: r.id, subtype: r.subtype, message: r.message, read: r.read, timestamp: r.created_at };
}

export class PgNotificationStore implements NotificationStore {
  constructor(private readonly db: PgDatabase) {}

  /** Stores a notification; resolves after COMMIT (MessagePersister.saveNotification). */
  async save(userId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> {
    const json = JSON.stringify(data);
    const [row] = await this.db.rows<{ id: number; created_at: number }>(
      'INSERT INTO notifications (user_id, subtype, message, data) VALUES ($1, $2, $3, $4::jsonb) RETURNING id, created_at',
      [userId, subtype, message, json],
    );
    return { ...data, id: row!.id, subtype, message, timestamp: row!.created_at };
  }

  async list(userId: number, page: PageQuery): Promise<Page<StoredNotification>> {
    const p = pageParams(page);
    const rows = await this.db.rows<NotificationRow>(
      `SELECT id, subtype, message, data, read, created_at FROM notifications
       WHERE user_id = $1 AND id < $2
       ORDER BY id DESC LIMIT $3 OFFSET $4`,
      [userId, p.before, p.take, p.offset],
    );
    return toPage(rows, page.limit, toStored);
  }

  /** At most UNREAD_CAP (src/store/unread.ts): a long unread backlog costs no more than that. */
  async unreadCount(userId: number): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND NOT read LIMIT ${UNREAD_CAP}) AS unread`,
      [userId],
    );
    return row!.n;
  }

  async markRead(userId: number, ids?: readonly number[]): Promise<number> {
    if (ids !== undefined && ids.length === 0) return 0;
    const result =
      ids === undefined
        ? await this.db.query('UPDATE notifications SET read = true WHERE user_id = $1 AND NOT read', [userId])
        : await this.db.query('UPDATE notifications SET read = true WHERE user_id = $1 AND NOT read AND id = ANY($2::bigint[])', [
            userId,
            [...ids],
          ]);
    return result.rowCount ?? 0;
  }
}
