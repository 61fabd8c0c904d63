/** Parlor's own accounts: the rule both stores apply when one is created, and the one batched read. */
import { ParlorError } from '../../errors.js';
import type { Dialect } from '../dialect.js';

/** The accounts among @ids (a list parameter, Dialect.idsIn): one statement, however many ids (a member list's profiles). */
export function usersByIdsSql(d: Dialect): string {
  return `SELECT id, username FROM users WHERE id IN (${d.idsIn('@ids')})`;
}

/** Usernames are unique case-insensitively (SQLite: COLLATE NOCASE; PostgreSQL: a unique index on lower(username)). */
export function usernameTaken(username: string): ParlorError {
  return new ParlorError('conflict', `the username ${username} is taken`);
}
