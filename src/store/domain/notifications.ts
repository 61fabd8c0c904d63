/**
 * Stored notifications, one home for both stores: how a row becomes the
 * notification a client reads.
 */
import type { Notification } from '../../websocket/protocol.js';
import type { StoredNotification } from '../types.js';

/** A notifications row once its dialect's types are read (`data` parsed, `read` a boolean). */
export interface NotificationRow {
  id: number;
  subtype: string;
  message: string;
  data: Record<string, unknown>;
  read: boolean;
  created_at: number;
}

/**
 * `data` is stored as a JSON object and spread into the notification. The
 * stored fields come last, so data can never override `id`, `subtype`,
 * `message`, `read` or `timestamp`.
 */
export function toStoredNotification(r: NotificationRow): StoredNotification {
  return { ...r.data, id: r.id, subtype: r.subtype, message: r.message, read: r.read, timestamp: r.created_at };
}

/** The notification as sent when it was stored (the same spread: data first). */
export function toNotification(data: Record<string, unknown>, id: number, subtype: string, message: string, timestamp: number): Notification {
  return { ...data, id, subtype, message, timestamp };
}

/** A page of the user's notifications, newest first (@user, @before, @take, @offset). */
export const NOTIFICATION_PAGE_SQL = `SELECT id, subtype, message, data, read, created_at FROM notifications
  WHERE user_id = @user AND id < @before
  ORDER BY id DESC LIMIT @take OFFSET @offset`;

