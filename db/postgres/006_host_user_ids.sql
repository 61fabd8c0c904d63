-- Messages, receipts, read markers, notifications, invitations and group
-- owners may belong to a host's users, who have no row in Parlor's `users`:
-- every reference to `users` goes. Whether a user exists is asked of the
-- UserDirectory before anything is stored (src/websocket/known-users.ts), so
-- an unknown id is `not_found` here exactly as on SQLite, never a foreign-key
-- violation. References to `groups` stay. Indexes, the trigger and the
-- generated columns are untouched: only constraints are dropped.

ALTER TABLE groups DROP CONSTRAINT groups_owner_fkey;
ALTER TABLE group_members DROP CONSTRAINT group_members_user_fkey;
ALTER TABLE group_members DROP CONSTRAINT group_members_invited_by_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_sender_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_recipient_fkey;
ALTER TABLE private_peers DROP CONSTRAINT private_peers_user_id_fkey;
ALTER TABLE private_peers DROP CONSTRAINT private_peers_peer_id_fkey;
ALTER TABLE read_markers DROP CONSTRAINT read_markers_user_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_user_fkey;
