-- Parlor schema v1 for PostgreSQL: the same logical schema as db/sqlite/001_init.sql.
-- Applied once, inside a transaction holding a pg_advisory_xact_lock, by
-- src/store/postgres/migrations.ts; recorded in schema_migrations. Tables are
-- created unqualified, in the first schema of the search_path (the
-- DATABASE_SCHEMA the store was opened with, else usually "public").
-- Every timestamp is Unix milliseconds (bigint), read from the database clock
-- so that several instances stamp rows with one clock.

CREATE FUNCTION parlor_now_ms() RETURNS bigint
  LANGUAGE sql VOLATILE
  AS $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE users (
  id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text    NOT NULL,
  password_hash text    NOT NULL,
  token_version integer NOT NULL DEFAULT 0,
  created_at    bigint  NOT NULL DEFAULT parlor_now_ms()
);

-- Case-insensitive uniqueness (SQLite: COLLATE NOCASE); lookups use lower(username) too.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE groups (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text   NOT NULL,
  owner_id   bigint NOT NULL CONSTRAINT groups_owner_fkey REFERENCES users (id),
  created_at bigint NOT NULL DEFAULT parlor_now_ms()
);

CREATE TABLE group_members (
  group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL CONSTRAINT group_members_user_fkey REFERENCES users (id) ON DELETE CASCADE,
  status     text   NOT NULL CHECK (status IN ('invited', 'accepted', 'declined')),
  invited_by bigint REFERENCES users (id) ON DELETE SET NULL,
  updated_at bigint NOT NULL DEFAULT parlor_now_ms(),
  PRIMARY KEY (group_id, user_id)
);

-- groupsOf, contactsOf and sync start from the user.
CREATE INDEX group_members_by_user ON group_members (user_id, status);

-- An identity column never hands out the same value twice (a sequence, cache 1),
-- so ids only ever increase. That ids also COMMIT in increasing order, which
-- makes them a safe sync cursor, is the message store's job: every message
-- insert holds one advisory lock until its transaction commits
-- (src/store/postgres/message-queue.ts).
CREATE TABLE messages (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sender_id    bigint NOT NULL CONSTRAINT messages_sender_fkey REFERENCES users (id),
  recipient_id bigint CONSTRAINT messages_recipient_fkey REFERENCES users (id),
  group_id     bigint CONSTRAINT messages_group_fkey REFERENCES groups (id),
  content      text   NOT NULL,
  client_id    text,
  created_at   bigint NOT NULL DEFAULT parlor_now_ms(),
  delivered_at bigint,
  read_at      bigint,
  -- The unordered pair of a private conversation, so both directions share
  -- one index range (NULL for group messages; least/greatest alone would skip the NULL).
  pair_lo      bigint GENERATED ALWAYS AS (CASE WHEN recipient_id IS NULL THEN NULL ELSE least(sender_id, recipient_id) END) STORED,
  pair_hi      bigint GENERATED ALWAYS AS (CASE WHEN recipient_id IS NULL THEN NULL ELSE greatest(sender_id, recipient_id) END) STORED,
  CONSTRAINT messages_one_target CHECK ((recipient_id IS NULL) <> (group_id IS NULL))
);

-- Idempotent sends: one message per (sender, client_id). Partial, so the many
-- messages without a client_id do not grow it; INSERT ... ON CONFLICT names
-- the same predicate to use it.
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
-- privateHistory, markRead, unread counts: one conversation, both directions, by id.
CREATE INDEX messages_private_pair ON messages (pair_lo, pair_hi, id) WHERE pair_lo IS NOT NULL;
-- groupHistory, group unread counts, group part of sync.
CREATE INDEX messages_group ON messages (group_id, id) WHERE group_id IS NOT NULL;
-- sync: private messages received by / sent by the user, in id order.
CREATE INDEX messages_inbox ON messages (recipient_id, id) WHERE recipient_id IS NOT NULL;
CREATE INDEX messages_outbox ON messages (sender_id, id) WHERE recipient_id IS NOT NULL;

-- Who has a private conversation with whom (both directions), kept by a
-- trigger so contactsOf and conversations never scan a user's messages.
CREATE TABLE private_peers (
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  peer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, peer_id)
);

CREATE FUNCTION parlor_private_peers() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO private_peers (user_id, peer_id)
  VALUES (NEW.sender_id, NEW.recipient_id), (NEW.recipient_id, NEW.sender_id)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER messages_private_peers AFTER INSERT ON messages
FOR EACH ROW WHEN (NEW.recipient_id IS NOT NULL)
EXECUTE FUNCTION parlor_private_peers();

-- Per-user, per-conversation read state: everything with id <= last_read_id
-- in that conversation counts as read. kind 'private': target_id is the peer;
-- kind 'group': target_id is the group.
CREATE TABLE read_markers (
  user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind         text   NOT NULL CHECK (kind IN ('private', 'group')),
  target_id    bigint NOT NULL,
  last_read_id bigint NOT NULL,
  updated_at   bigint NOT NULL DEFAULT parlor_now_ms(),
  PRIMARY KEY (user_id, kind, target_id)
);

CREATE TABLE notifications (
  id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint  NOT NULL CONSTRAINT notifications_user_fkey REFERENCES users (id) ON DELETE CASCADE,
  subtype    text    NOT NULL,
  message    text    NOT NULL,
  data       jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  read       boolean NOT NULL DEFAULT false,
  created_at bigint  NOT NULL DEFAULT parlor_now_ms()
);

CREATE INDEX notifications_by_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE NOT read;

-- express-session store: connect-pg-simple's table (its table.sql), created
-- here rather than by createTableIfMissing, which reads a file at run time.
-- IF NOT EXISTS: a host app that already keeps its connect-pg-simple sessions
-- in this schema shares the table. timestamptz rather than timestamp: the
-- store compares with to_timestamp(), so the session's TimeZone never matters.
CREATE TABLE IF NOT EXISTS "session" (
  "sid"    varchar     NOT NULL COLLATE "default" PRIMARY KEY,
  "sess"   json        NOT NULL,
  "expire" timestamptz(6) NOT NULL
);

CREATE INDEX IF NOT EXISTS "IDX_session_expire" ON "session" ("expire");
