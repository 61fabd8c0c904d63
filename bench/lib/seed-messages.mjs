// Fills a stopped Parlor server's SQLite file with group messages in one
// transaction: seconds for 300k rows, where sending them would take minutes.
// Only the expensive-reads scenario uses it, on its own fresh file.

import Database from 'better-sqlite3';

/** Inserts `count` messages from `senderId` into `groupId`; returns the number of rows written. */
export function seedGroupMessages(dbPath, { groupId, senderId, count }) {
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    const insert = db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
       INSERT INTO messages (sender_id, group_id, content, created_at)
       SELECT @sender, @group, 'seeded message ' || i, @now FROM n`,
    );
    return db.transaction(() => insert.run({ count, sender: senderId, group: groupId, now: Date.now() }).changes)();
  } finally {
    db.close();
  }
}
