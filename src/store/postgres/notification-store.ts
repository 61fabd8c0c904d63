import type { Page, PageQuery } from '../../types.js';
import type { Notification } from '../../websocket/protocol.js';
import { NOTIFICATION_PAGE_SQL, type NotificationRow, toNotification, toStoredNotification } from '../domain/notifications.js';
import { pageParams, toPage } from '../rows.js';
import type { Notice, NotificationStore, StoredNotification } from '../types.js';
import type { PgDatabase, Queryable } from './database.js';
import { positional } from './named-params.js';
import { UNREAD_CAP } from '../unread.js';

/** Marks the user's unread notifications read (only those listed, with `only`), locking them in id order first (markRead). */
const markReadSql = (only = '') => `WITH due AS (
    SELECT id FROM notifications WHERE user_id = $1 AND NOT read ${only} ORDER BY id FOR UPDATE
  )
  UPDATE notifications SET read = true FROM due WHERE notifications.id = due.id`;
const MARK_ALL_READ = markReadSql();
const MARK_THESE_READ = markReadSql('AND id = ANY($2::bigint[])');
const PAGE = positional<{ user: number; before: number; take: number; offset: number }>(NOTIFICATION_PAGE_SQL);

/** Stores one notification with `on` (the pool, or an invitation's transaction: group-store.ts); resolves after its statement. */
export async function insertNotification(on: Queryable, userId: number, notice: Notice): Promise<Notification> {
  const { rows } = await on.query<{ id: number; created_at: number }>(
    'INSERT INTO notifications (user_id, subtype, message, data) VALUES ($1, $2, $3, $4::jsonb) RETURNING id, created_at',
    [userId, notice.subtype, notice.message, JSON.stringify(notice.data)],
  );
  return toNotification(notice.data, rows[0]!.id, notice.subtype, notice.message, rows[0]!.created_at);
}

export class PgNotificationStore implements NotificationStore {
  constructor(private readonly db: PgDatabase) {}

  /** Stores a notification; resolves after COMMIT (MessagePersister.saveNotification). */
  save(userId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> {
    return insertNotification(this.db, userId, { subtype, message, data });
  }

  async list(userId: number, page: PageQuery): Promise<Page<StoredNotification>> {
    const rows = await this.db.rows<NotificationRow>(PAGE.text, PAGE.values({ user: userId, ...pageParams(page) }));
    return toPage(rows, page.limit, toStoredNotification);
  }

  /** At most UNREAD_CAP (src/store/unread.ts): a long unread backlog costs no more than that. */
  async unreadCount(userId: number): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND NOT read LIMIT ${UNREAD_CAP}) AS unread`,
      [userId],
    );
    return row!.n;
  }

  /**
   * The rows are locked in id order before they are updated: "mark all read"
   * and "mark these read" of one user (two tabs) would otherwise visit them
   * in their plans' orders (a bitmap scan follows the heap, where a row
   * updated earlier has moved), and each wait for a row the other holds.
   */
  async markRead(userId: number, ids?: readonly number[]): Promise<number> {
    if (ids !== undefined && ids.length === 0) return 0;
    const result =
      ids === undefined
        ? await this.db.query(MARK_ALL_READ, [userId])
        : await this.db.query(MARK_THESE_READ, [userId, [...ids]]);
    return result.rowCount ?? 0;
  }
}
