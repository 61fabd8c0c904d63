import type { Database } from 'better-sqlite3';
import { lazyStatement } from './lazy-statement.js';

/** The writes of blocks (writes.ts's rules: synchronous, re-runnable, clock passed in). */
export function prepareConsentWrites(db: Database) {
  const insertBlock = lazyStatement(() =>
    db.prepare<[number, number, number]>('INSERT OR IGNORE INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)'),
  );
  const deleteBlock = lazyStatement(() => db.prepare<[number, number]>('DELETE FROM user_blocks WHERE blocker_id = ? AND blocked_id = ?'));
  return {
    block(userId: number, peerId: number, now: number): boolean {
      return insertBlock().run(userId, peerId, now).changes > 0;
    },

    unblock(userId: number, peerId: number): boolean {
      return deleteBlock().run(userId, peerId).changes > 0;
    },
  };
}
