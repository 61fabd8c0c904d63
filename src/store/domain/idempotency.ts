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

/** Where a message goes: its recipient (a private message) or its group, the other null. */
export interface MessageTarget {
  to: number | null;
  group: number | null;
}

/**
 * A client_id names one message, so a resend is a send to the same
 * conversation (its content may differ: the first copy stands). The error
 * when the earlier message under it went elsewhere, else null: the other kind
 * (private vs group), or another recipient or group. Answered as a resend,
 * that send would be acked as stored while nobody got it.
 */
export function clientIdConflict(
  earlier: { recipient_id: number | null; group_id: number | null },
  sent: MessageTarget,
  clientId: string | undefined,
): ParlorError | null {
  const earlierKind: MessageKind = earlier.group_id === null ? 'private' : 'group';
  const kind: MessageKind = sent.group === null ? 'private' : 'group';
  if (earlierKind !== kind) return new ParlorError('bad_request', `client_id ${clientId} was already used for a ${earlierKind} message`);
  const sameTarget = kind === 'private' ? earlier.recipient_id === sent.to : earlier.group_id === sent.group;
  if (sameTarget) return null;
  return new ParlorError('bad_request', `client_id ${clientId} was already used for a message to another conversation`);
}
