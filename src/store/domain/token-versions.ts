import type { Dialect } from '../dialect.js';

/** Each user's bearer-token version (src/store/types.ts TokenVersionStore), the same SQL for both stores. Parameter: @user. */

/** The current version; no row: 0. */
export const TOKEN_VERSION_SQL = 'SELECT version FROM token_versions WHERE user_id = @user';

/** Increments the user's version (the first bump makes it 1) and returns it. */
export const BUMP_TOKEN_VERSION_SQL = `INSERT INTO token_versions (user_id, version) VALUES (@user, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = token_versions.version + 1 RETURNING version`;

/** The versions of several users at once (the token re-check): rows only for users who ever revoked. Parameter: @users, a list (Dialect.idsIn). */
export function tokenVersionsSql(d: Dialect): string {
  return `SELECT user_id, version FROM token_versions WHERE user_id IN (${d.idsIn('@users')})`;
}

/** Every asked user's version, 0 for those without a row. */
export function versionsOf(userIds: readonly number[], rows: readonly { user_id: number; version: number }[]): Map<number, number> {
  const versions = new Map(userIds.map((id) => [id, 0]));
  for (const row of rows) versions.set(Number(row.user_id), Number(row.version));
  return versions;
}
