-- Group messages may belong to a host's groups (a GroupMemberFetcher with
-- groupsOf/members), which have no row in Parlor's `groups`: the reference
-- from messages.group_id to `groups` goes, as 006 did for users. Who may
-- write to a group is asked of the GroupMemberFetcher before anything is
-- stored (Manager.requireMembership), the one home of that rule, so an unknown
-- group is `not_found` there exactly as on SQLite. group_members keeps its
-- reference: Parlor's invitations are for Parlor's groups only.

ALTER TABLE messages DROP CONSTRAINT messages_group_fkey;
