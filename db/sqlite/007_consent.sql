-- Consent (contract section 6). A private conversation is *accepted* by a
-- user once that user has written in it: one row per direction, "user_id has
-- written to peer_id", kept by a trigger on messages. Contacts are mutual
-- rows; a row missing on the recipient's side makes the conversation a
-- request. private_peers (both directions) still lists the conversations.
-- No foreign key to users: the ids may be a host's.
CREATE TABLE IF NOT EXISTS private_writers (
  user_id INTEGER NOT NULL,
  peer_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;

-- Derived from messages, so it applies on top of any earlier schema.
INSERT OR IGNORE INTO private_writers (user_id, peer_id)
SELECT DISTINCT sender_id, recipient_id FROM messages WHERE recipient_id IS NOT NULL;

DROP TRIGGER IF EXISTS messages_private_writers;
CREATE TRIGGER messages_private_writers AFTER INSERT ON messages
WHEN NEW.recipient_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO private_writers (user_id, peer_id) VALUES (NEW.sender_id, NEW.recipient_id);
END;

-- blocker_id has blocked blocked_id. The primary key answers "does A block
-- B"; the second index answers "who blocks B" for the other direction.
CREATE TABLE IF NOT EXISTS user_blocks (
  blocker_id INTEGER NOT NULL,
  blocked_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS user_blocks_blocked ON user_blocks (blocked_id, blocker_id);
