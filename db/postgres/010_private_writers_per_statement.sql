-- private_writers (007) was kept by a trigger FOR EACH ROW: every private
-- message ran a plpgsql call and an INSERT ... ON CONFLICT of its own inside
-- parlor_insert_messages, although after the first message of a pair the row
-- is always there. It becomes one statement-level trigger, like private_peers
-- (002): a batch adds its new (sender, recipient) pairs in one sorted INSERT,
-- so two batches adding the same pairs take them in the same order (no
-- deadlock), and a batch of messages from one user to another writes the pair
-- once. Same rows as before: one per (sender, recipient) of a private message.
DROP TRIGGER IF EXISTS messages_private_writers ON messages;

CREATE OR REPLACE FUNCTION parlor_private_writers() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO private_writers (user_id, peer_id)
  SELECT DISTINCT m.sender_id, m.recipient_id
  FROM new_messages m
  WHERE m.recipient_id IS NOT NULL
  ORDER BY m.sender_id, m.recipient_id
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER messages_private_writers AFTER INSERT ON messages
REFERENCING NEW TABLE AS new_messages
FOR EACH STATEMENT
EXECUTE FUNCTION parlor_private_writers();
