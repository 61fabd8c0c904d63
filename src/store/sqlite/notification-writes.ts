import type { Database } from 'better-sqlite3';
import type { Notification } from '../../websocket/protocol.js';
import { toNotification } from '../domain/notifications.js';

/** Stores one notification in the write under way: saveNotification's, and an invitation's (group-writes.ts). */
export function prepareNotificationInsert(db: Database) {
  const insert = db
    .prepare<[number, string, string, string, number], number>(
      'INSERT INTO notifications (user_id, subtype, message, data, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    )
    .pluck();
  return (userId: number, subtype: string, message: string, data: Record<string, unknown>, now: number): Notification => {
    const id = insert.get(userId, subtype, message, JSON.stringify(data), now)!;
    return toNotification(data, id, subtype, message, now);
  };
}

/** The writes of notifications (the rules of writes.ts). */
export function prepareNotificationWrites(db: Database) {
  const insertNotification = prepareNotificationInsert(db);
  const readAll = db.prepare<{ user: number }>('UPDATE notifications SET read = 1 WHERE user_id = @user AND read = 0');
  // The ids travel as one JSON array, so one prepared statement serves any count.
  const readSome = db.prepare<{ user: number; ids: string }>(
    `UPDATE notifications SET read = 1
     WHERE user_id = @user AND read = 0 AND id IN (SELECT value FROM json_each(@ids))`,
  );
  return {
    saveNotification(userId: number, subtype: string, message: string, data: Record<string, unknown>, now: number): Notification {
      return insertNotification(userId, subtype, message, data, now);
    },

    /** `ids` as a JSON array, or null for every unread notification of the user. */
    markNotificationsRead(userId: number, ids: string | null): number {
      return ids === null ? readAll.run({ user: userId }).changes : readSome.run({ user: userId, ids }).changes;
    },
  };
}
