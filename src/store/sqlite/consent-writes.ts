import type { Database } from 'better-sqlite3';
import { UNBLOCK_SQL } from '../domain/consent.js';
import { lazyStatement } from './lazy-statement.js';

/** The writes of blocks (the rules of writes.ts). */
export function prepareConsentWrites(db: Database) {
  const insertBlock = lazyStatement(() =>
    db.prepare<[number, number, number]>('INSERT OR IGNORE INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)'),
  );
  const deleteBlock = lazyStatement(() => db.prepare<{ user: number; peer: number }>(UNBLOCK_SQL));
  return {
    block(userId: number, peerId: number, now: number): boolean {
      return insertBlock().run(userId, peerId, now).changes > 0;
    },

    unblock(userId: number, peerId: number): boolean {
      return deleteBlock().run({ user: userId, peer: peerId }).changes > 0;
    },
  };
}
