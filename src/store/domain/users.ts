/** Parlor's own accounts: the rule both stores apply when one is created. */
import { ParlorError } from '../../errors.js';

/** Usernames are unique case-insensitively (SQLite: COLLATE NOCASE; PostgreSQL: a unique index on lower(username)). */
export function usernameTaken(username: string): ParlorError {
  return new ParlorError('conflict', `the username ${username} is taken`);
}
