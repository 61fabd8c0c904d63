/** Each user's bearer-token version (src/store/types.ts TokenVersionStore), the same SQL for both stores. Parameter: @user. */

/** The current version; no row: 0. */
export const TOKEN_VERSION_SQL = 'SELECT version FROM token_versions WHERE user_id = @user';

/** Increments the user's version (the first bump makes it 1) and returns it. */
export const BUMP_TOKEN_VERSION_SQL = `INSERT INTO token_versions (user_id, version) VALUES (@user, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = token_versions.version + 1 RETURNING version`;
