/**
 * `delivered` receipts with group commit: the marks arriving while a batch is
 * on its way (or in the same tick) leave together as ONE statement, one round
 * trip. Each mark answers true only for the call that set `delivered_at`
 * (a message to a recipient with sockets on several instances is marked
 * once); a mark for a message that is not a private message to that
 * recipient, or was delivered already, answers false.
 */
import type { Outcome } from '../batch.js';
import type { PgDatabase } from './database.js';
import { StatementQueue, type StatementQueueOptions } from './statement-queue.js';

export interface DeliveredMark {
  messageId: number;
  recipientId: number;
}

/**
 * Rows are locked in id order before they are updated, so two batches that
 * share messages (two instances of one recipient) wait for each other in one
 * direction only, never in a deadlock; the second finds them delivered.
 */
export const MARK_DELIVERED = `WITH due AS (
    SELECT m.id FROM messages m
    JOIN unnest($1::bigint[], $2::bigint[]) AS d (id, recipient_id) ON m.id = d.id AND m.recipient_id = d.recipient_id
    WHERE m.delivered_at IS NULL
    ORDER BY m.id
    FOR UPDATE OF m
  )
  UPDATE messages SET delivered_at = parlor_now_ms()
  FROM due WHERE messages.id = due.id AND messages.delivered_at IS NULL
  RETURNING messages.id, messages.recipient_id`;

export class DeliveredQueue extends StatementQueue<DeliveredMark, boolean> {
  constructor(db: PgDatabase, options: StatementQueueOptions = {}) {
    super((marks) => markDelivered(db, marks), options);
  }
}

async function markDelivered(db: PgDatabase, marks: DeliveredMark[]): Promise<Outcome<boolean>[]> {
  const { rows } = await db.query<{ id: number; recipient_id: number }>(MARK_DELIVERED, [
    marks.map((m) => m.messageId),
    marks.map((m) => m.recipientId),
  ]);
  const marked = new Set(rows.map((r) => `${r.id}:${r.recipient_id}`));
  // The same mark twice in one batch: the first call set it, the second did not.
  return marks.map((m) => ({ ok: true, value: marked.delete(`${m.messageId}:${m.recipientId}`) }));
}
