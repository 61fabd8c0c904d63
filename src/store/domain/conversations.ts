/**
 * The conversation list (GET /api/conversations), one query for both stores.
 */
import type { Dialect } from '../dialect.js';
import { MESSAGE_COLUMNS_OF_M } from '../rows.js';
import { UNREAD_CAP } from '../unread.js';
import { SHARE_AN_ACCEPTED_GROUP } from './groups.js';

/**
 * One row per private peer (from private_peers) and per accepted group, with
 * its newest message (an index lookup each) and the messages from others
 * among the newest UNREAD_CAP above the user's read marker (at most
 * UNREAD_CAP index entries each, however long the conversation). Groups
 * without a message are left out by the inner join. Parameters: @user, and
 * @groups, a host's groups the user is an accepted member of (no
 * group_members row here; the GroupMemberFetcher's groupsOf names them).
 */
export function conversationsSql(d: Dialect): string {
  return `
  WITH convs (kind, target, last_id, marker) AS (
    SELECT 'private', p.peer_id,
      (SELECT id FROM messages
        WHERE ${d.pairOf('@user', 'p.peer_id')}
        ORDER BY id DESC LIMIT 1),
      coalesce((SELECT last_read_id FROM read_markers
        WHERE user_id = @user AND kind = 'private' AND target_id = p.peer_id), 0)
    FROM private_peers p WHERE p.user_id = @user
    UNION ALL
    SELECT 'group', gm.group_id,
      (SELECT id FROM messages WHERE group_id = gm.group_id ORDER BY id DESC LIMIT 1),
      coalesce((SELECT last_read_id FROM read_markers
        WHERE user_id = @user AND kind = 'group' AND target_id = gm.group_id), 0)
    FROM (SELECT group_id FROM group_members WHERE user_id = @user AND status = 'accepted'
      UNION ${d.idsIn('@groups')}) gm
  )
  SELECT c.kind, c.target, ${MESSAGE_COLUMNS_OF_M},
    CASE c.kind
      WHEN 'private' THEN (SELECT count(*) FROM (SELECT sender_id FROM messages
        WHERE ${d.pairOf('@user', 'c.target')} AND id > c.marker
        ORDER BY id DESC LIMIT ${UNREAD_CAP}) AS newest WHERE sender_id <> @user)
      ELSE (SELECT count(*) FROM (SELECT sender_id FROM messages
        WHERE group_id = c.target AND id > c.marker
        ORDER BY id DESC LIMIT ${UNREAD_CAP}) AS newest WHERE sender_id <> @user)
    END AS unread,
    -- A request: a private conversation the user has not written in yet, with
    -- someone who shares no accepted group with the user (contract section 6).
    c.kind = 'private'
      AND NOT EXISTS (SELECT 1 FROM private_writers WHERE user_id = @user AND peer_id = c.target)
      AND NOT ${SHARE_AN_ACCEPTED_GROUP('@user', 'c.target')} AS request
  FROM convs c JOIN messages m ON m.id = c.last_id
  ORDER BY m.id DESC`;
}
