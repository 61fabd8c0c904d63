/**
 * The -wal's identity is recorded at open: removed right after open, before
 * any write or /healthz, it is still noticed (recorded lazily by the first
 * check, it would be recorded after it was gone).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FILE_GONE } from '../../src/store/sqlite/file-health.js';
import { openSqliteStores, type SqliteStores, type WriterKind } from '../../src/store/sqlite/index.js';

describe('sqlite: the -wal removed before the first write', () => {
  const opened: SqliteStores[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close().catch(() => {})));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  for (const writer of ['worker', 'inline'] as WriterKind[]) {
    it(`${writer} writer: ping() rejects with ${FILE_GONE} and a write is refused`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parlor-wal-early-'));
      dirs.push(dir);
      const path = join(dir, 'parlor.db');
      const stores = openSqliteStores({ path, writer, sessionPruneIntervalMs: 0 });
      opened.push(stores);
      expect(existsSync(`${path}-wal`)).toBe(true);
      rmSync(`${path}-wal`);
      await expect(stores.ping()).rejects.toMatchObject({ code: FILE_GONE });
      // The write is refused, never acked (worker writer: see worker-start-error-not-an-error.test.ts).
      await expect(stores.users.createUser('bob', 'h')).rejects.toBeDefined();
    });
  }
});
