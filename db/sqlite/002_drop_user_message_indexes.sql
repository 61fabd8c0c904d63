-- sync now reads private messages conversation by conversation (private_peers
-- gives the user's conversations, messages_private_pair each one's range), so
-- the two per-user indexes are read by nothing. They were written by every
-- message: in a batch of messages from many users each index dirtied about
-- one page per user, which the COMMIT then wrote to the WAL and fsynced
-- (bench/RESULTS.md, "the write path").
DROP INDEX messages_inbox;
DROP INDEX messages_outbox;
