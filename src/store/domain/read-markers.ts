/**
 * Read markers, one home for both stores: per user and conversation, the id
 * of the newest message read. Unread counts start from it
 * (domain/conversations.ts); markRead (domain/receipts.ts) and markGroupRead
 * move it.
 */
import type { Dialect } from '../dialect.js';

export type MarkerKind = 'private' | 'group';

/** The user's marker in one conversation (no row: 0, nothing read). */
export const MARKER_SQL = 'SELECT last_read_id FROM read_markers WHERE user_id = @user AND kind = @kind AND target_id = @target';

/** Forward only: a marker never moves back to an older message. */
const FORWARD_ONLY = `ON CONFLICT (user_id, kind, target_id) DO UPDATE
  SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
  WHERE excluded.last_read_id > read_markers.last_read_id`;

/** Moves the marker of (@user, @kind, @target) to @id, if that is forward. */
export function moveMarkerSql(d: Dialect): string {
  return `INSERT INTO read_markers (user_id, kind, target_id, last_read_id, updated_at)
  VALUES (@user, @kind, @target, @id, ${d.now})
  ${FORWARD_ONLY}`;
}

/**
 * The same move for the row that `source` (a SELECT of user_id, kind,
 * target_id, last_read_id) yields, for a statement that checks and moves at
 * once (PostgreSQL's markGroupRead).
 */
export function moveMarkerFromSql(d: Dialect, source: string): string {
  return `INSERT INTO read_markers (user_id, kind, target_id, last_read_id, updated_at)
  SELECT s.*, ${d.now} FROM (${source}) AS s
  ${FORWARD_ONLY}`;
}
