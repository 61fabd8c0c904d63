/**
 * Delivery and read state: `delivered_at` / `read_at` on private messages, and
 * the per-user, per-conversation read markers that unread counts start from.
 * These writes do not go through the message queue (they draw no message id):
 * `delivered` marks are batched by their own queue (one statement per
 * batch); the others are each one statement or one short transaction.
 */
import type { ReadResult } from '../../websocket/message-persister.js';
import type { PgDatabase } from './database.js';
import type { DeliveredQueue } from './delivered-queue.js';

/** Forward only: a marker never moves back to an older message. */
const MOVE_MARKER = `INSERT INTO read_markers (user_id, kind, target_id, last_read_id)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (user_id, kind, target_id) DO UPDATE
  SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
  WHERE excluded.last_read_id > read_markers.last_read_id`;

export class PgReceiptStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly delivered: DeliveredQueue,
  ) {}

  /** True only the first time a private message to `recipientId` is marked delivered. */
  markDelivered(messageId: number, recipientId: number): Promise<boolean> {
    return this.delivered.enqueue({ messageId, recipientId });
  }

  /**
   * Marks a private message to `userId`, and every earlier one from the same
   * sender, read; moves the user's marker for that conversation. Null when
   * the message is not a private message to the user. One transaction.
   */
  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.db.transaction(async (client) => {
      const m = (await client.query<{ sender_id: number; recipient_id: number | null }>(
        'SELECT sender_id, recipient_id FROM messages WHERE id = $1',
        [messageId],
      )).rows[0];
      if (!m || m.recipient_id !== userId) return null;
      const sender = m.sender_id;
      const marker = (await client.query<{ last_read_id: number }>(
        `SELECT last_read_id FROM read_markers WHERE user_id = $1 AND kind = 'private' AND target_id = $2`,
        [userId, sender],
      )).rows[0];
      const after = marker?.last_read_id ?? 0;
      if (messageId > after) {
        // Everything at or below the old marker is read already, so only the
        // range (marker, id] of the conversation is touched.
        await client.query(
          `UPDATE messages SET read_at = parlor_now_ms(), delivered_at = coalesce(delivered_at, parlor_now_ms())
           WHERE pair_lo = $1 AND pair_hi = $2 AND id > $3 AND id <= $4 AND sender_id = $5 AND read_at IS NULL`,
          [Math.min(userId, sender), Math.max(userId, sender), after, messageId, sender],
        );
        await client.query(MOVE_MARKER, [userId, 'private', sender, messageId]);
      }
      return { senderId: sender, messageId };
    });
  }

  /** Moves the user's read marker in a group forward; false when the message is not in that group. One statement. */
  async markGroupRead(userId: number, groupId: number, messageId: number): Promise<boolean> {
    const result = await this.db.query<{ found: boolean }>(
      `WITH m AS (SELECT id FROM messages WHERE id = $3 AND group_id = $2),
       moved AS (
         INSERT INTO read_markers (user_id, kind, target_id, last_read_id)
         SELECT $1::bigint, 'group', $2::bigint, m.id FROM m
         ON CONFLICT (user_id, kind, target_id) DO UPDATE
         SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
         WHERE excluded.last_read_id > read_markers.last_read_id
       )
       SELECT EXISTS (SELECT 1 FROM m) AS found`,
      [userId, groupId, messageId],
    );
    return result.rows[0]?.found === true;
  }
}
