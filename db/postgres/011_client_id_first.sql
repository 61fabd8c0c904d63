-- As db/sqlite/009: the unique index that makes a client_id idempotent per
-- sender starts with the client_id, so ids that start with the time (the
-- SDK's UUIDv7) are inserted at the index's right edge, a few pages per
-- batch, instead of one page per sender. Same rule: parlor_insert_messages
-- names both columns in its lookup and in ON CONFLICT (sender_id, client_id),
-- which any unique index on the two columns answers, in either order.
-- Rebuilding the index locks writes to messages while it runs.
DROP INDEX messages_client_id;
CREATE UNIQUE INDEX messages_client_id ON messages (client_id, sender_id) WHERE client_id IS NOT NULL;
