import type { Database } from 'better-sqlite3';

/** The writes of bearer-token versions (the rules of writes.ts). */
export function prepareTokenVersionWrites(db: Database) {
  const bumpVersion = db
    .prepare<[number], number>(
      'INSERT INTO token_versions (user_id, version) VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET version = version + 1 RETURNING version',
    )
    .pluck();
  return {
    bumpTokenVersion(userId: number): number {
      return bumpVersion.get(userId)!;
    },
  };
}
