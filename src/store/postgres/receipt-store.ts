/**
 * Delivery and read state: `delivered_at` / `read_at` on private messages, and
 * the per-user, per-conversation read markers that unread counts start from.
 * These writes do not go through the message queue (they draw no message id):
 * `delivered` marks are batched by their own queue (one statement per
 * batch); the others are each one statement or one short transaction.
 */
import type { GroupReadResult, ReadResult } from '../../websocket/message-persister.js';
import { postgresDialect } from '../dialect.js';
import { MARKER_SQL, type MarkerKind, moveMarkerFromSql, moveMarkerSql } from '../domain/read-markers.js';
import {
  MESSAGE_FOR_READ_SQL,
  movesMarker,
  type ReadRange,
  markRowsReadSql,
  readRange,
  readResult,
  readSender,
  undeliveredInRangeSql,
} from '../domain/receipts.js';
import type { PgDatabase } from './database.js';
import type { DeliveredQueue } from './delivered-queue.js';
import { positional } from './named-params.js';

type MarkerKey = { user: number; kind: MarkerKind; target: number };

const MESSAGE_FOR_READ = positional<{ id: number }>(MESSAGE_FOR_READ_SQL);
const MARKER = positional<MarkerKey>(MARKER_SQL);
const UNDELIVERED_IN_RANGE = positional<ReadRange>(undeliveredInRangeSql(postgresDialect));
const MARK_ROWS_READ = positional<{ ids: number[] }>(markRowsReadSql(postgresDialect));
/** The forward-only move, answering a row only when it moved the marker: its own answer, under the row's lock. */
const MOVE_MARKER = positional<MarkerKey & { id: number }>(`${moveMarkerSql(postgresDialect)}
  RETURNING 1`);

/** markGroupRead in one statement: the message's check and the marker's move, answering whether the message is in the group and whether the marker moved. */
const MARK_GROUP_READ = positional<{ user: number; group: number; id: number }>(`WITH m AS (SELECT id FROM messages WHERE id = @id AND group_id = @group),
  moved AS (
    ${moveMarkerFromSql(postgresDialect, `SELECT @user::bigint AS user_id, 'group' AS kind, @group::bigint AS target_id, m.id AS last_read_id FROM m`)}
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM m) AS found, EXISTS (SELECT 1 FROM moved) AS moved`);

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
   * src/store/domain/receipts.ts, in one transaction. Null when the message is not a private message to the user.
   *
   * The marker is read without a lock, so a read of the same conversation running at once (another device, or the
   * next `read` pipelined on the socket) may move it meanwhile. That look only shapes the range, whose rows are
   * locked and checked again as they are read (`unread` leaves out what the other read marked), and rules out a
   * move that cannot happen. Whether the marker moved is the move's own answer, under the marker row's lock:
   * decided from the look, the read that comes second would report a move it did not make, and the reader's other
   * devices would get a receipt moving their marker back (docs/protocol.md, Receipts). Message rows are locked by
   * one statement, in id order, and the update takes no other (markRowsReadSql); the marker row is locked last,
   * and only here (group markers are other rows): it adds no wait cycle with another read or a delivered batch
   * (src/store/postgres/delivered-queue.ts), and a message insert locks none of these rows.
   */
  markRead(userId: number, messageId: number): Promise<ReadResult | null> {
    return this.db.transaction(async (client) => {
      const message = (await client.query<{ sender_id: number; recipient_id: number | null }>(MESSAGE_FOR_READ.text, MESSAGE_FOR_READ.values({ id: messageId })))
        .rows[0];
      const sender = readSender(userId, message);
      if (sender === null) return null;
      const key: MarkerKey = { user: userId, kind: 'private', target: sender };
      const marker = (await client.query<{ last_read_id: number }>(MARKER.text, MARKER.values(key))).rows[0];
      const range = readRange(userId, sender, messageId, marker?.last_read_id);
      const unread = (await client.query<{ id: number; undelivered: boolean }>(UNDELIVERED_IN_RANGE.text, UNDELIVERED_IN_RANGE.values(range))).rows;
      if (unread.length > 0) await client.query(MARK_ROWS_READ.text, MARK_ROWS_READ.values({ ids: unread.map((r) => r.id) }));
      const moved = movesMarker(range, marker?.last_read_id) && (await client.query(MOVE_MARKER.text, MOVE_MARKER.values({ ...key, id: messageId }))).rowCount === 1;
      return readResult(sender, messageId, unread, moved);
    });
  }

  /** Moves the user's read marker in a group forward: GroupReadResult. One statement. */
  async markGroupRead(userId: number, groupId: number, messageId: number): Promise<GroupReadResult> {
    const result = await this.db.query<{ found: boolean; moved: boolean }>(MARK_GROUP_READ.text, MARK_GROUP_READ.values({ user: userId, group: groupId, id: messageId }));
    const row = result.rows[0];
    return row?.found === true ? (row.moved ? true : 'unchanged') : false;
  }
}
