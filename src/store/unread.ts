/**
 * The most an `unread` count reports (a conversation's in GET
 * /api/conversations, the notification list's in GET /api/notifications).
 * Counting walks index entries, so an exact count would cost as much as the
 * unread backlog is long: a 300k-message conversation made every GET
 * /api/conversations of its members a 300k-row count. Capped, a count reads
 * at most this many rows, however long the backlog; `100` means "100 or more".
 *
 * A conversation's count looks at its newest UNREAD_CAP messages after the
 * user's read marker and counts those from others: exact while fewer than
 * UNREAD_CAP messages came after the marker.
 */
export const UNREAD_CAP = 100;
