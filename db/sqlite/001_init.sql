-- Parlor schema v1 for SQLite. Applied once, inside a transaction, by
-- src/store/sqlite/migrations.ts; recorded in schema_migrations.
-- Every timestamp is Unix milliseconds.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT    NOT NULL,
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE groups (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  owner_id   INTEGER NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL
);

CREATE TABLE group_members (
  group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status     TEXT    NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
  invited_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

-- groupsOf, contactsOf and sync start from the user.
CREATE INDEX group_members_by_user ON group_members (user_id, status);

-- AUTOINCREMENT: an id is never reused, even after the newest row is deleted,
-- so ids only ever increase across the whole store and double as a sync cursor.
CREATE TABLE messages (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  sender_id    INTEGER NOT NULL REFERENCES users (id),
  recipient_id INTEGER REFERENCES users (id),
  group_id     INTEGER REFERENCES groups (id),
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

-- Idempotent sends: one message per (sender, client_id).
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
-- privateHistory, markRead, unread counts: one conversation, both directions, by id.
CREATE INDEX messages_private_pair ON messages (pair_lo, pair_hi, id) WHERE pair_lo IS NOT NULL;
-- groupHistory, group unread counts, group part of sync.
CREATE INDEX messages_group ON messages (group_id, id) WHERE group_id IS NOT NULL;
-- sync: private messages received by / sent by the user, in id order.
CREATE INDEX messages_inbox ON messages (recipient_id, id) WHERE recipient_id IS NOT NULL;
CREATE INDEX messages_outbox ON messages (sender_id, id) WHERE recipient_id IS NOT NULL;

-- Who has a private conversation with whom (both directions), kept by a
-- trigger so contactsOf and conversations never scan a user's messages.
CREATE TABLE private_peers (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  peer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;

CREATE TRIGGER messages_private_peers AFTER INSERT ON messages
WHEN NEW.recipient_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO private_peers (user_id, peer_id)
  VALUES (NEW.sender_id, NEW.recipient_id), (NEW.recipient_id, NEW.sender_id);
END;

-- Per-user, per-conversation read state: everything with id <= last_read_id
-- in that conversation counts as read. kind 'private': target_id is the peer;
-- kind 'group': target_id is the group.
CREATE TABLE read_markers (
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('private', 'group')),
  target_id    INTEGER NOT NULL,
  last_read_id INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind, target_id)
) WITHOUT ROWID;

CREATE TABLE notifications (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  subtype    TEXT    NOT NULL,
  message    TEXT    NOT NULL,
  data       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
  read       INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE INDEX notifications_by_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read = 0;

-- express-session store.
CREATE TABLE sessions (
  sid     TEXT    PRIMARY KEY,
  sess    TEXT    NOT NULL,
  expires INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_expires ON sessions (expires);
