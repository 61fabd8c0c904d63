/**
 * Delivery and read state: `delivered_at` / `read_at` on private messages, and
 * the per-user, per-conversation read markers that unread counts start from.
 */
import type { Database } from 'better-sqlite3';
import type { ReadResult } from '../../websocket/message-persister.js';
import type { WriteQueue } from './write-queue.js';

type MarkerKind = 'private' | 'group';

export class SqliteReceiptStore {
  private readonly delivered;
  private readonly messageById;
  private readonly inGroup;
  private readonly marker;
  private readonly moveMarker;
  private readonly readUpTo;

  constructor(
    db: Database,
    private readonly queue: WriteQueue,
    private readonly now: () => number,
  ) {
    this.delivered = db.prepare<{ id: number; recipient: number; now: number }>(
      'UPDATE messages SET delivered_at = @now WHERE id = @id AND recipient_id = @recipient AND delivered_at IS NULL',
    );
    this.messageById = db.prepare<[number], { sender_id: number; recipient_id: number | null }>(
      'SELECT sender_id, recipient_id FROM messages WHERE id = ?',
    );
    this.inGroup = db.prepare<[number, number], number>('SELECT 1 FROM messages WHERE id = ? AND group_id = ?').pluck();
    this.marker = db
      .prepare<[number, MarkerKind, number], number>(
        'SELECT last_read_id FROM read_markers WHERE user_id = ? AND kind = ? AND target_id = ?',
      )
      .pluck();
    // Forward only: a marker never moves back to an older message.
    this.moveMarker = db.prepare<{ user: number; kind: MarkerKind; target: number; id: number; now: number }>(
      `INSERT INTO read_markers (user_id, kind, target_id, last_read_id, updated_at)
       VALUES (@user, @kind, @target, @id, @now)
       ON CONFLICT (user_id, kind, target_id) DO UPDATE
       SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
       WHERE excluded.last_read_id > read_markers.last_read_id`,
    );
    // Everything at or below the old marker is read already, so only the
    // range (marker, id] of the conversation is touched.
    this.readUpTo = db.prepare<{ lo: number; hi: number; sender: number; after: number; upTo: number; now: number }>(
      `UPDATE messages SET read_at = @now, delivered_at = coalesce(delivered_at, @now)
       WHERE pair_lo = @lo AND pair_hi = @hi AND id > @after AND id <= @upTo
         AND sender_id = @sender AND read_at IS NULL`,
    );
  }

  /** True only the first time a private message to `recipientId` is marked delivered. */
  markDelivered(messageId: number, recipientId: number): Promise<boolean> {
    return this.queue.enqueue(
      () => this.delivered.run({ id: messageId, recipient: recipientId, now: this.now() }).changes === 1,
    );
  }

  /**
   * Marks a private message to `userId`, and every earlier one from the same
   * sender, read; moves the user's marker for that conversation. Null when
   * the message is not a private message to the user.
   */
  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.queue.enqueue(() => {
      const m = this.messageById.get(messageId);
      if (!m || m.recipient_id !== userId) return null;
      const sender = m.sender_id;
      const after = this.marker.get(userId, 'private', sender) ?? 0;
      if (messageId > after) {
        const now = this.now();
        const pair = { lo: Math.min(userId, sender), hi: Math.max(userId, sender) };
        this.readUpTo.run({ ...pair, sender, after, upTo: messageId, now });
        this.moveMarker.run({ user: userId, kind: 'private', target: sender, id: messageId, now });
      }
      return { senderId: sender, messageId };
    });
  }

  /** Moves the user's read marker in a group forward; false when the message is not in that group. */
  markGroupRead(userId: number, groupId: number, messageId: number): Promise<boolean> {
    return this.queue.enqueue(() => {
      if (this.inGroup.get(messageId, groupId) === undefined) return false;
      this.moveMarker.run({ user: userId, kind: 'group', target: groupId, id: messageId, now: this.now() });
      return true;
    });
  }
}
