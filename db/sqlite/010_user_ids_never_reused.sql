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
-- * the high-water mark (sqlite_sequence) starts at the highest id the store
--   still knows of: a row of `users`, a Parlor session (the sessions table's
--   userId) or a token version of an account deleted before this migration,
--   so not even an id that was deleted already is handed out again while
--   something here names it.
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
  UNION ALL
  SELECT coalesce(max(user_id), 0) FROM token_versions
);

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
