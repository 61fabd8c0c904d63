/**
 * Idempotent sends, one home for both stores: a message sent again under the
 * same (sender, client_id) is not stored twice; the message stored the first
 * time answers it, marked `duplicate`. How the earlier row is found differs
 * (on SQLite an insert with ON CONFLICT DO NOTHING, then a lookup only when
 * it did nothing; on PostgreSQL the insert function's ON CONFLICT,
 * db/postgres/002_message_write_slots.sql); what it may answer
 * is decided here. Both find it through the unique index messages_client_id,
 * ordered (client_id, sender_id) so that time-first ids (the SDK's UUIDv7)
 * are written at its right edge (db/sqlite/009, db/postgres/011).
 */
import { ParlorError } from '../../errors.js';

export type MessageKind = 'private' | 'group';

/**
 * The same client_id cannot name a private and a group message at once: the
 * error when the earlier message under it is of the other kind, else null.
 */
export function clientIdKindConflict(earlier: { group_id: number | null }, kind: MessageKind, clientId: string | undefined): ParlorError | null {
  const earlierKind: MessageKind = earlier.group_id === null ? 'private' : 'group';
  if (earlierKind === kind) return null;
  return new ParlorError('bad_request', `client_id ${clientId} was already used for a ${earlierKind} message`);
}
