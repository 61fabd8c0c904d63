-- An account's id is never handed out again. `users.id` was INTEGER PRIMARY
-- KEY without AUTOINCREMENT, and SQLite gives the next row max(id) + 1: when
-- the newest account was deleted (register's undo when its session could not
-- be saved, src/http/auth-routes.ts), the next registration got its id, and a
-- session or bearer token the deleted account obtained in the meantime (a
-- second tab's login, POST /api/auth/token) then acted as the new user.
-- PostgreSQL's identity columns never reuse a value.
--
-- SQLite cannot add AUTOINCREMENT to a table, so `users` is rebuilt (the
-- procedure of https://sqlite.org/lang_altertable.html#otheralter, as in 006):
-- * every row is copied with its id; nothing references `users` since 006, so
--   dropping the old table cascades into nothing;
-- * every column and constraint of today's table is made again: 001's, less
--   004's token_version; the UNIQUE username COLLATE NOCASE (its automatic
--   index is the one findByUsername and the duplicate check use);
-- * the high-water mark (sqlite_sequence) starts at the highest user id
--   anything here still names, so that an id deleted before this migration
--   (nothing cascades since 006) is not handed out again to inherit what
--   names it: a row of `users`; a Parlor session (the sessions table's
--   userId); a token version; and every user-id column of the schema at 009:
--   messages.sender_id and recipient_id, groups.owner_id, group_members.user_id
--   and invited_by, private_peers and private_writers (user_id, peer_id),
--   user_blocks (blocker_id, blocked_id), read_markers.user_id and the
--   target_id of its 'private' rows (the peer), notifications.user_id and the
--   inviter (`from`) in a group_invite's data. A bearer token of an account
--   that never revoked leaves no row (version 0): src/auth/token-service.ts
--   refuses a token issued before its account was created instead. With a
--   host's users (UserDirectory) these columns hold the host's ids, so
--   Parlor's own accounts, if any, then start above them: harmless, an id is
--   only a name.
--
-- The other ids Parlor hands out need nothing: messages already has
-- AUTOINCREMENT (001); groups and notifications are never deleted (no
-- statement does), so their max(id) + 1 is always new; sessions are keyed by
-- a random sid.

CREATE TABLE users_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);
INSERT INTO users_new (id, username, password_hash, created_at) SELECT id, username, password_hash, created_at FROM users;

-- The copy set the mark to the highest id copied (no row when there was none): it becomes the highest id still named.
DELETE FROM sqlite_sequence WHERE name = 'users_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'users_new', max(seq) FROM (
  SELECT coalesce(max(id), 0) AS seq FROM users
  UNION ALL
  SELECT coalesce(max(json_extract(sess, '$.userId')), 0) FROM sessions
    WHERE json_valid(sess) AND json_type(sess, '$.userId') = 'integer'
  UNION ALL SELECT coalesce(max(user_id), 0) FROM token_versions
  UNION ALL SELECT coalesce(max(max(sender_id, coalesce(recipient_id, 0))), 0) FROM messages
  UNION ALL SELECT coalesce(max(owner_id), 0) FROM groups
  UNION ALL SELECT coalesce(max(max(user_id, coalesce(invited_by, 0))), 0) FROM group_members
  UNION ALL SELECT coalesce(max(max(user_id, peer_id)), 0) FROM private_peers
  UNION ALL SELECT coalesce(max(max(user_id, peer_id)), 0) FROM private_writers
  UNION ALL SELECT coalesce(max(max(blocker_id, blocked_id)), 0) FROM user_blocks
  UNION ALL SELECT coalesce(max(CASE kind WHEN 'private' THEN max(user_id, target_id) ELSE user_id END), 0) FROM read_markers
  UNION ALL SELECT coalesce(max(user_id), 0) FROM notifications
  UNION ALL SELECT coalesce(max(json_extract(data, '$.from')), 0) FROM notifications
    WHERE subtype = 'group_invite' AND json_type(data, '$.from') = 'integer'
);

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
