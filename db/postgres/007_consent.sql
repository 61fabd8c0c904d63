-- Consent (contract section 6). A private conversation is *accepted* by a
-- user once that user has written in it: one row per direction, "user_id has
-- written to peer_id", kept by a trigger on messages. Contacts are mutual
-- rows; a row missing on the recipient's side makes the conversation a
-- request. private_peers (both directions) still lists the conversations.
-- No foreign key to users: the ids may be a host's.
CREATE TABLE IF NOT EXISTS private_writers (
  user_id bigint NOT NULL,
  peer_id bigint NOT NULL,
  PRIMARY KEY (user_id, peer_id)
);

-- Derived from messages, so it applies on top of any earlier schema.
INSERT INTO private_writers (user_id, peer_id)
SELECT DISTINCT sender_id, recipient_id FROM messages WHERE recipient_id IS NOT NULL
ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION parlor_private_writers() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO private_writers (user_id, peer_id) VALUES (NEW.sender_id, NEW.recipient_id)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS messages_private_writers ON messages;
CREATE TRIGGER messages_private_writers AFTER INSERT ON messages
FOR EACH ROW WHEN (NEW.recipient_id IS NOT NULL)
EXECUTE FUNCTION parlor_private_writers();

-- blocker_id has blocked blocked_id. The primary key answers "does A block
-- B"; the second index answers "who blocks B" for the other direction.
CREATE TABLE IF NOT EXISTS user_blocks (
  blocker_id bigint NOT NULL,
  blocked_id bigint NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id)
);

CREATE INDEX IF NOT EXISTS user_blocks_blocked ON user_blocks (blocked_id, blocker_id);
