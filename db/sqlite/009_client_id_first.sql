-- The unique index that makes a client_id idempotent per sender starts with
-- the client_id, not the sender: the same rule (one message per sender and
-- client_id; the lookup names both), but ids that start with the time (the
-- SDK's UUIDv7) now land at the index's right edge. Ordered by sender first,
-- every sender in a commit dirtied a page of its own, one WAL frame each:
-- at 60 messages of 50 pairs a commit, 113 frames before and 52 after, and
-- the write worker's CPU per message 27.8 -> 20.2 µs (15 a commit: 36 -> 20
-- frames, 41.8 -> 33.3 µs; bench/sqlite-batch-cost.mjs, medians of 4).
-- Random ids (UUIDv4) cost the same either way: a page per message.

DROP INDEX messages_client_id;
CREATE UNIQUE INDEX messages_client_id ON messages (client_id, sender_id) WHERE client_id IS NOT NULL;
