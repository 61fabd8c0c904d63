import type { Database } from 'better-sqlite3';
import { BUMP_TOKEN_VERSION_SQL } from '../domain/token-versions.js';

/** The writes of bearer-token versions (the rules of writes.ts). */
export function prepareTokenVersionWrites(db: Database) {
  const bumpVersion = db.prepare<{ user: number }, number>(BUMP_TOKEN_VERSION_SQL).pluck();
  return {
    bumpTokenVersion(userId: number): number {
      return bumpVersion.get({ user: userId })!;
    },
  };
}
