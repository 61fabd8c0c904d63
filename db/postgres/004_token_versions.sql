-- Token versions move out of Parlor's users table: a host that owns its users
-- issues bearer tokens (parlor.tokens.issue) for ids Parlor has no account
-- for, and revoking them must work the same. No row: version 0.
CREATE TABLE token_versions (
  user_id bigint  PRIMARY KEY,
  version integer NOT NULL
);

INSERT INTO token_versions (user_id, version) SELECT id, token_version FROM users WHERE token_version > 0;

ALTER TABLE users DROP COLUMN token_version;
