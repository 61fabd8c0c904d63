import type { Database } from 'better-sqlite3';
import type { GroupReadResult, ReadResult } from '../../websocket/message-persister.js';
import { sqliteDialect } from '../dialect.js';
import { MARKER_SQL, type MarkerKind, moveMarkerSql } from '../domain/read-markers.js';
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

/** The writes of delivery and read state (the rules of writes.ts; src/store/domain/receipts.ts and read-markers.ts). */
export function prepareReceiptWrites(db: Database) {
  const delivered = db.prepare<{ id: number; recipient: number; now: number }>(
    'UPDATE messages SET delivered_at = @now WHERE id = @id AND recipient_id = @recipient AND delivered_at IS NULL',
  );
  const messageForRead = db.prepare<{ id: number }, { sender_id: number; recipient_id: number | null }>(MESSAGE_FOR_READ_SQL);
  const inGroup = db.prepare<[number, number], number>('SELECT 1 FROM messages WHERE id = ? AND group_id = ?').pluck();
  const marker = db.prepare<{ user: number; kind: MarkerKind; target: number }, number>(MARKER_SQL).pluck();
  const moveMarker = db.prepare<{ user: number; kind: MarkerKind; target: number; id: number; now: number }>(moveMarkerSql(sqliteDialect));
  const undeliveredInRange = db.prepare<ReadRange, { id: number; undelivered: number }>(undeliveredInRangeSql(sqliteDialect));
  const markRowsRead = db.prepare<{ ids: string; now: number }>(markRowsReadSql(sqliteDialect));

  return {
    /** True only the first time a private message to `recipientId` is marked delivered. */
    markDelivered(messageId: number, recipientId: number, now: number): boolean {
      return delivered.run({ id: messageId, recipient: recipientId, now }).changes === 1;
    },

    /** src/store/domain/receipts.ts. Null when the message is not a private message to the user. */
    markRead(userId: number, messageId: number, now: number): ReadResult | null {
      const sender = readSender(userId, messageForRead.get({ id: messageId }));
      if (sender === null) return null;
      const readUpTo = marker.get({ user: userId, kind: 'private', target: sender });
      const range = readRange(userId, sender, messageId, readUpTo);
      const unread = undeliveredInRange.all(range);
      if (unread.length > 0) markRowsRead.run({ ids: JSON.stringify(unread.map((r) => r.id)), now });
      const moved = movesMarker(range, readUpTo);
      if (moved) moveMarker.run({ user: userId, kind: 'private', target: sender, id: messageId, now });
      return readResult(sender, messageId, unread, moved);
    },

    /** Moves the user's read marker in a group forward: GroupReadResult. */
    markGroupRead(userId: number, groupId: number, messageId: number, now: number): GroupReadResult {
      if (inGroup.get(messageId, groupId) === undefined) return false;
      return moveMarker.run({ user: userId, kind: 'group', target: groupId, id: messageId, now }).changes > 0 ? true : 'unchanged';
    },
  };
}
