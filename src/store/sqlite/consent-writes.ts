import type { Database } from 'better-sqlite3';
import { sqliteDialect } from '../dialect.js';
import { blockSql, RECORD_WRITE_SQL, UNBLOCK_SQL } from '../domain/consent.js';
import { lazyStatement } from './lazy-statement.js';

/** The writes of blocks and of who wrote to whom (the rules of writes.ts). */
export function prepareConsentWrites(db: Database) {
  const insertBlock = lazyStatement(() => db.prepare<{ user: number; peer: number; now: number }>(blockSql(sqliteDialect)));
  const deleteBlock = lazyStatement(() => db.prepare<{ user: number; peer: number }>(UNBLOCK_SQL));
  const insertWriter = lazyStatement(() => db.prepare<{ user: number; peer: number }>(RECORD_WRITE_SQL));
  return {
    block(userId: number, peerId: number, now: number): boolean {
      return insertBlock().run({ user: userId, peer: peerId, now }).changes > 0;
    },

    unblock(userId: number, peerId: number): boolean {
      return deleteBlock().run({ user: userId, peer: peerId }).changes > 0;
    },

    recordWrite(userId: number, peerId: number): void {
      insertWriter().run({ user: userId, peer: peerId });
    },
  };
}
