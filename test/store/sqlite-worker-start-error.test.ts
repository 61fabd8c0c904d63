/**
 * When the write worker dies while opening the
 * file (here: the -wal removed between the main thread's open and the
 * worker's), every write rejected with a plain object `{ code: 'SQLITE_IOERR_…' }`
 * with no message and no Error prototype: Node's worker 'error' event does not
 * rebuild better-sqlite3's SqliteError, and WorkerWriter.stop passed it on as
 * is. A host logging err.message logged undefined. It is now an Error
 * naming the SQLite code (worker-writer.ts asError).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';

const opened: SqliteStores[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close().catch(() => {})));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('a write refused because the worker failed at start rejects with an Error that has a message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-worker-start-'));
  dirs.push(dir);
  const path = join(dir, 'parlor.db');
  const stores = openSqliteStores({ path, writer: 'worker', sessionPruneIntervalMs: 0 });
  opened.push(stores);
  rmSync(`${path}-wal`);
  const err: unknown = await stores.users.createUser('bob', 'h').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toEqual(expect.any(String));
});
