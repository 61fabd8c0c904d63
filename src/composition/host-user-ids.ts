import type { UserDirectory } from '../websocket/user-directory.js';
import { requireUserId } from '../user-id.js';
import { mapAwaitable } from './host-group-ids.js';

/**
 * A host's UserDirectory with every id it answers as a number. Its rows often
 * come straight from a database driver, and `pg` gives bigint columns as
 * strings: `'802'` would match none of the ids asked, and every user would be
 * `not_found` and nameless. Digits are read as the id (src/user-id.ts); any
 * other id is a TypeError naming the method, which the guard reports as the
 * directory failing (503), not as a user that does not exist. Arrays already
 * all numbers pass through untouched, so a well-typed directory pays one scan.
 */
export function withNumericUserIds(directory: UserDirectory): UserDirectory {
  const numeric: UserDirectory = {
    existing: (ids) => mapAwaitable(directory.existing(ids), (found) => numbers(found, 'userDirectory.existing')),
  };
  if (directory.profiles) {
    const profiles = directory.profiles.bind(directory);
    numeric.profiles = (ids) =>
      mapAwaitable(profiles(ids), (rows) => rows.map((p) => (typeof p?.id === 'number' || typeof p !== 'object' ? p : { ...p, id: requireUserId(p.id, 'userDirectory.profiles') })));
  }
  return numeric;
}

function numbers(ids: readonly number[], call: string): number[] {
  // The answer is the host's array: handed on as it is when already numbers (KnownUsers only reads it).
  return ids.every((id) => typeof id === 'number') ? (ids as number[]) : ids.map((id) => requireUserId(id, call));
}
