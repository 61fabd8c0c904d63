/**
 * The history pages of a conversation, one query each for both stores
 * (sync differs: SQLite merges per-conversation ranges, PostgreSQL reads
 * below its write horizon, each in its own message-store.ts).
 */
import { MESSAGE_COLUMNS } from '../rows.js';

/** Newest first, ids below @before, then @offset, @take rows (rows.ts pageParams). */
export const HISTORY_SQL = {
  // Both directions of one conversation share the (pair_lo, pair_hi, id) index.
  private: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE pair_lo = @lo AND pair_hi = @hi AND id < @before
    ORDER BY id DESC LIMIT @take OFFSET @offset`,
  group: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE group_id = @group AND id < @before
    ORDER BY id DESC LIMIT @take OFFSET @offset`,
} as const;

/** The message a sender stored under a client_id (the unique index messages_client_id). */
export const MESSAGE_BY_CLIENT_ID_SQL = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE client_id = @clientId AND sender_id = @sender`;
