-- How often a user was invited to a group in the current window
-- (INVITE_LIMIT, src/store/domain/invitations.ts): a decline followed by a new invitation each
-- time was an unlimited stream of notifications. Existing rows start with an
-- expired window.
ALTER TABLE group_members ADD COLUMN invite_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN invite_window_at INTEGER NOT NULL DEFAULT 0;
