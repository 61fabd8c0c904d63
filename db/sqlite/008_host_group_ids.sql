-- Group messages may belong to a host's groups (a GroupMemberFetcher with
-- groupsOf/members), which have no row in Parlor's `groups`: the reference
-- from messages.group_id to `groups` goes, as 006 did for users. Who may
-- write to a group is asked of the GroupMemberFetcher before anything is
-- stored (Manager.requireMembership), the one home of that rule, so an unknown
-- group is `not_found` there on both stores. group_members keeps its reference:
-- Parlor's invitations are for Parlor's groups only.
--
-- SQLite cannot drop a constraint, so messages is rebuilt as in 006: triggers
-- dropped first and made again last, the AUTOINCREMENT high-water mark kept,
-- every index made again with its name and definition.

DROP TRIGGER messages_private_peers;
DROP TRIGGER messages_private_writers;

CREATE TABLE messages_new (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  sender_id    INTEGER NOT NULL,
  recipient_id INTEGER,
  group_id     INTEGER,
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
DELETE FROM sqlite_sequence WHERE name = 'messages_new';
UPDATE sqlite_sequence SET name = 'messages_new' WHERE name = 'messages';
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_private_pair ON messages (pair_lo, pair_hi, id) WHERE pair_lo IS NOT NULL;
CREATE INDEX messages_group ON messages (group_id, id) WHERE group_id IS NOT NULL;

CREATE TRIGGER messages_private_peers AFTER INSERT ON messages
WHEN NEW.recipient_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO private_peers (user_id, peer_id)
  VALUES (NEW.sender_id, NEW.recipient_id), (NEW.recipient_id, NEW.sender_id);
END;

CREATE TRIGGER messages_private_writers AFTER INSERT ON messages
WHEN NEW.recipient_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO private_writers (user_id, peer_id) VALUES (NEW.sender_id, NEW.recipient_id);
END;
