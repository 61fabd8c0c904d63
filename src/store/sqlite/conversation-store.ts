import type { Database } from 'better-sqlite3';
import type { Conversation, ConversationStore } from '../types.js';
import { UNREAD_CAP } from '../unread.js';
import { MESSAGE_COLUMNS_OF_M, toConversation, type ConversationRow } from '../rows.js';
import { lazyStatement } from './lazy-statement.js';

/**
 * One row per private peer (from private_peers) and per accepted group, with
 * its newest message (an index lookup each) and the messages from others
 * among the newest UNREAD_CAP above the user's read marker (at most
 * UNREAD_CAP index entries each, however long the conversation). Groups
 * without a message are left out by the inner join. Exported for the query
 * plan test.
 */
export const CONVERSATIONS_QUERY = `
  WITH convs (kind, target, last_id, marker) AS (
    SELECT 'private', p.peer_id,
      (SELECT id FROM messages
        WHERE pair_lo = min(@user, p.peer_id) AND pair_hi = max(@user, p.peer_id)
        ORDER BY id DESC LIMIT 1),
      coalesce((SELECT last_read_id FROM read_markers
        WHERE user_id = @user AND kind = 'private' AND target_id = p.peer_id), 0)
    FROM private_peers p WHERE p.user_id = @user
    UNION ALL
    SELECT 'group', gm.group_id,
      (SELECT id FROM messages WHERE group_id = gm.group_id ORDER BY id DESC LIMIT 1),
      coalesce((SELECT last_read_id FROM read_markers
        WHERE user_id = @user AND kind = 'group' AND target_id = gm.group_id), 0)
    FROM group_members gm WHERE gm.user_id = @user AND gm.status = 'accepted'
  )
  SELECT c.kind, c.target, ${MESSAGE_COLUMNS_OF_M},
    CASE c.kind
      WHEN 'private' THEN (SELECT count(*) FROM (SELECT sender_id FROM messages
        WHERE pair_lo = min(@user, c.target) AND pair_hi = max(@user, c.target) AND id > c.marker
        ORDER BY id DESC LIMIT ${UNREAD_CAP}) WHERE sender_id <> @user)
      ELSE (SELECT count(*) FROM (SELECT sender_id FROM messages
        WHERE group_id = c.target AND id > c.marker
        ORDER BY id DESC LIMIT ${UNREAD_CAP}) WHERE sender_id <> @user)
    END AS unread,
    -- A request: a private conversation the user has not written in yet, with
    -- someone who shares no accepted group with the user (contract section 6).
    c.kind = 'private'
      AND NOT EXISTS (SELECT 1 FROM private_writers WHERE user_id = @user AND peer_id = c.target)
      AND NOT EXISTS (SELECT 1 FROM group_members me
        JOIN group_members other ON other.group_id = me.group_id AND other.user_id = c.target AND other.status = 'accepted'
        WHERE me.user_id = @user AND me.status = 'accepted') AS request
  FROM convs c JOIN messages m ON m.id = c.last_id
  ORDER BY m.id DESC`;

export class SqliteConversationStore implements ConversationStore {
  private readonly list;

  constructor(db: Database) {
    this.list = lazyStatement(() => db.prepare<{ user: number }, ConversationRow>(CONVERSATIONS_QUERY));
  }

  /**
   * Most recent first. `unread` counts messages from others with an id above
   * the user's marker in that conversation (markRead / markGroupRead move it),
   * among the newest UNREAD_CAP such messages (see src/store/unread.ts); in a
   * group the user joined late, older messages count until read.
   */
  conversations(userId: number): Conversation[] {
    return this.list().all({ user: userId }).map(toConversation);
  }
}
