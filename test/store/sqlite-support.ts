/** Temp folders for SQLite files, removed after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openSqliteStores, type SqliteStores, type SqliteStoresOptions } from '../../src/store/sqlite/index.js';
import type { WorkerWriter } from '../../src/store/sqlite/worker-writer.js';
import { decodeWrites, type WorkerRequest } from '../../src/store/sqlite/write-worker-protocol.js';

export function useTempDir(): { dir(): string; open(options?: Partial<SqliteStoresOptions>): SqliteStores; path: () => string } {
  let current: string | null = null;
  const opened: SqliteStores[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    if (current) rmSync(current, { recursive: true, force: true });
    current = null;
  });
  const dir = () => (current ??= mkdtempSync(join(tmpdir(), 'parlor-sqlite-')));
  const path = () => join(dir(), 'parlor.db');
  return {
    dir,
    path,
    open(options = {}) {
      const stores = openSqliteStores({ path: path(), sessionPruneIntervalMs: 0, ...options });
      opened.push(stores);
      return stores;
    },
  };
}

/** How many writes each message the WorkerWriter posts to its worker carries, in order, from now on (its postMessage spied). */
export function recordPostedWrites(writer: WorkerWriter): number[] {
  const posted: number[] = [];
  const post = writer.worker.postMessage.bind(writer.worker);
  writer.worker.postMessage = (message: WorkerRequest) => {
    if (message.type === 'write') posted.push(decodeWrites(message).length);
    post(message);
  };
  return posted;
}
