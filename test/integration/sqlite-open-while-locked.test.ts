/**
 * The writable check at open (database.ts assertWritable) stops the start only
 * for a storage failure: another process holding the write lock past the busy
 * timeout (SQLITE_BUSY) says nothing about the file, and must not stop it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/database.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-open-locked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('opens an already migrated file while another connection holds the write lock', () => {
  const path = join(dir, 'parlor.db');
  openDatabase({ path }).close();
  const holder = new BetterSqlite3(path);
  holder.exec('BEGIN IMMEDIATE');
  try {
    const db = openDatabase({ path, busyTimeoutMs: 20 });
    expect(db.inTransaction).toBe(false);
    db.close();
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
});
