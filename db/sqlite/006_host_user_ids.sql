-- Messages, receipts, read markers, notifications, invitations and group
-- owners may belong to a host's users, who have no row in Parlor's `users`:
-- every reference to `users` goes. Whether a user exists is asked of the
-- UserDirectory before anything is stored (src/websocket/known-users.ts).
-- References to `groups` stay.
--
-- SQLite cannot drop a constraint, so each table is rebuilt (the procedure of
-- https://sqlite.org/lang_altertable.html#otheralter), with foreign keys ON
-- (the migration runs in a transaction, where that pragma cannot change):
-- * the new group_members and messages reference `groups_new`, so that
--   dropping the old `groups` cascades into nothing; renaming `groups_new` to
--   `groups` at the end rewrites their references to `groups`;
-- * the trigger on messages reads private_peers: dropped first, made again last;
-- * messages keeps its AUTOINCREMENT high-water mark (sqlite_sequence), so an
--   id is never reused even when the newest rows were deleted;
-- * every column (003_invite_limit.sql's too) and every index is made again,
--   with its name and definition.

DROP TRIGGER messages_private_peers;

CREATE TABLE groups_new (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  owner_id   INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO groups_new (id, name, owner_id, created_at) SELECT id, name, owner_id, created_at FROM groups;

CREATE TABLE group_members_new (
  group_id   INTEGER NOT NULL REFERENCES groups_new (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL,
  status     TEXT    NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
  invited_by INTEGER,
  updated_at INTEGER NOT NULL,
  -- From 003_invite_limit.sql.
  invite_count     INTEGER NOT NULL DEFAULT 0,
  invite_window_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
INSERT INTO group_members_new (group_id, user_id, status, invited_by, updated_at, invite_count, invite_window_at)
  SELECT group_id, user_id, status, invited_by, updated_at, invite_count, invite_window_at FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_new RENAME TO group_members;
CREATE INDEX group_members_by_user ON group_members (user_id, status);

CREATE TABLE messages_new (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  sender_id    INTEGER NOT NULL,
  recipient_id INTEGER,
  group_id     INTEGER REFERENCES groups_new (id),
  content      TEXT    NOT NULL,
  client_id    TEXT,
  created_at   INTEGER NOT NULL,
  delivered_at INTEGER,
  read_at      INTEGER,
  -- The unordered pair of a private conversation, so both directions share
  -- one index range (NULL for group messages).
  pair_lo      INTEGER GENERATED ALWAYS AS (min(sender_id, recipient_id)) VIRTUAL,
  pair_hi      INTEGER GENERATED ALWAYS AS (max(sender_id, recipient_id)) VIRTUAL,
  CHECK ((recipient_id IS NULL) <> (group_id IS NULL))
);
INSERT INTO messages_new (id, sender_id, recipient_id, group_id, content, client_id, created_at, delivered_at, read_at)
  SELECT id, sender_id, recipient_id, group_id, content, client_id, created_at, delivered_at, read_at FROM messages;
-- The old high-water mark moves to the new table (the copy set its own, from the ids present only).
DELETE FROM sqlite_sequence WHERE name = 'messages_new';
UPDATE sqlite_sequence SET name = 'messages_new' WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_private_pair ON messages (pair_lo, pair_hi, id) WHERE pair_lo IS NOT NULL;
CREATE INDEX messages_group ON messages (group_id, id) WHERE group_id IS NOT NULL;

CREATE TABLE private_peers_new (
  user_id INTEGER NOT NULL,
  peer_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;
INSERT INTO private_peers_new (user_id, peer_id) SELECT user_id, peer_id FROM private_peers;
DROP TABLE private_peers;
ALTER TABLE private_peers_new RENAME TO private_peers;

CREATE TABLE read_markers_new (
  user_id      INTEGER NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('private', 'group')),
  target_id    INTEGER NOT NULL,
  last_read_id INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind, target_id)
) WITHOUT ROWID;
INSERT INTO read_markers_new (user_id, kind, target_id, last_read_id, updated_at)
  SELECT user_id, kind, target_id, last_read_id, updated_at FROM read_markers;
DROP TABLE read_markers;
ALTER TABLE read_markers_new RENAME TO read_markers;

CREATE TABLE notifications_new (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL,
  subtype    TEXT    NOT NULL,
  message    TEXT    NOT NULL,
  data       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
  read       INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
  created_at INTEGER NOT NULL
);
INSERT INTO notifications_new (id, user_id, subtype, message, data, read, created_at)
  SELECT id, user_id, subtype, message, data, read, created_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_by_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read = 0;

-- Nothing references the old groups any more: dropping it deletes no member.
DROP TABLE groups;
ALTER TABLE groups_new RENAME TO groups;

CREATE TRIGGER messages_private_peers AFTER INSERT ON messages
WHEN NEW.recipient_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO private_peers (user_id, peer_id)
  VALUES (NEW.sender_id, NEW.recipient_id), (NEW.recipient_id, NEW.sender_id);
END;
