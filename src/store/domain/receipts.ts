/**
 * Read receipts of private messages, one home for both stores. markRead of a
 * message marks it, and every earlier message from the same sender, read,
 * and moves the reader's marker of that conversation forward
 * (domain/read-markers.ts). Each store runs the same steps in one
 * transaction: fetch the message (MESSAGE_FOR_READ_SQL), `readSender`, fetch
 * the marker, `readRange`, the range's unread rows (undeliveredInRangeSql),
 * marking those rows (markRowsReadSql) and, when the range goes past the
 * marker, the marker's move.
 *
 * `delivered` marks are one statement on SQLite and a batched statement on
 * PostgreSQL (src/store/postgres/delivered-queue.ts); the rule is the same:
 * a private message to that recipient, marked only the first time.
 */
import type { ReadResult } from '../../websocket/message-persister.js';
import type { Dialect } from '../dialect.js';

export const MESSAGE_FOR_READ_SQL = 'SELECT sender_id, recipient_id FROM messages WHERE id = @id';

/** The sender whose messages the reader reads, or null when the message is not a private message to the reader. */
export function readSender(readerId: number, message: { sender_id: number; recipient_id: number | null } | undefined): number | null {
  return message && message.recipient_id === readerId ? message.sender_id : null;
}

/** The messages a markRead marks: from `sender` to the reader in the conversation, ids in (after, upTo]. */
export interface ReadRange {
  lo: number;
  hi: number;
  sender: number;
  after: number;
  upTo: number;
}

/**
 * Above the reader's marker, the range (marker, messageId]: everything at or
 * below the marker was marked when the marker passed it. At or below the
 * marker, the message alone: on PostgreSQL a message can commit after a
 * later one of the same conversation (ids are drawn before commit, see
 * docs/scaling.md), so the marker may have passed it before it existed, and
 * its own `read` is what marks it. Either way one index range of the
 * conversation, never its whole history.
 */
export function readRange(readerId: number, sender: number, messageId: number, marker: number | undefined): ReadRange {
  const after = marker !== undefined && messageId <= marker ? messageId - 1 : (marker ?? 0);
  return { lo: Math.min(readerId, sender), hi: Math.max(readerId, sender), sender, after, upTo: messageId };
}

/** Whether marking `range` moves the reader's marker (it only moves forward). */
export function movesMarker(range: ReadRange, marker: number | undefined): boolean {
  return range.upTo > (marker ?? 0);
}

/**
 * What markRead answers once the range is marked: `unread` are the range's
 * rows that were not read yet (undeliveredInRangeSql), `moved` whether the
 * marker moved. Neither: the message was read before, and the read is
 * `unchanged`. Rows but no move: a message below the marker that committed
 * late (PostgreSQL), `markerMoved: false`.
 */
export function readResult(
  sender: number,
  messageId: number,
  unread: ReadonlyArray<{ id: number; undelivered: unknown }>,
  moved: boolean,
): ReadResult {
  if (unread.length === 0 && !moved) return { senderId: sender, messageId, unchanged: true };
  const result: ReadResult = { senderId: sender, messageId };
  const delivered = unread.filter((r) => Boolean(r.undelivered)).map((r) => Number(r.id));
  if (delivered.length > 0) result.delivered = delivered;
  if (!moved) result.markerMoved = false;
  return result;
}

/**
 * The range's unread messages, locked in id order, each with whether it is
 * still undelivered: the read marks those delivered too, so it is the read
 * that announces them. Locked in id order, as PostgreSQL's batched
 * `delivered` marks lock theirs (src/store/postgres/delivered-queue.ts): a
 * plan that visits them in another order (a sequential or bitmap scan follows
 * the heap, and an updated row moves in it) could otherwise hold a later
 * message while a delivered batch holds an earlier one, and each wait for the
 * other. Locked first, a batched `delivered` mark of the same message either
 * committed before (this read sees it delivered) or waits and then finds it
 * delivered: one receipt either way. On SQLite, one writer, nothing to wait for.
 */
export function undeliveredInRangeSql(d: Dialect): string {
  return `SELECT id, delivered_at IS NULL AS undelivered FROM messages
    WHERE pair_lo = @lo AND pair_hi = @hi AND id > @after AND id <= @upTo
      AND sender_id = @sender AND read_at IS NULL
    ORDER BY id ${d.lockInOrder}`;
}

/**
 * Marks read (and delivered, if they were not) exactly the rows
 * undeliveredInRangeSql answered, `@ids` (a list, Dialect.idsIn): the rows it
 * locked, and the ones the read announces. Not the range again: on
 * PostgreSQL each statement sees the commits made before it began, and an
 * earlier message of the conversation that committed in between (ids are
 * drawn before commit, see readRange) would be locked then, after the later
 * rows this read holds. A second read of the same conversation (another
 * device) that saw it holds it while it waits for those rows: one of the two
 * would fail with a deadlock (40P01, an `internal` error frame). And that
 * message would be marked delivered by a read that does not announce it, so
 * its sender would never get that receipt. Left alone here, it is below the
 * marker once this read moved it, and its own `read` (or the other read)
 * marks it (readRange).
 */
export function markRowsReadSql(d: Dialect): string {
  return `UPDATE messages SET read_at = ${d.now}, delivered_at = coalesce(delivered_at, ${d.now})
    WHERE id IN (${d.idsIn('@ids')})`;
}
