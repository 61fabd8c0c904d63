/**
 * The SQLite stores when their file goes away or cannot be opened: ping()
 * fails (what /healthz answers 503 on), writes are refused rather than
 * committed into an unlinked file, whichever writer runs them, and a path
 * that cannot be opened says which path and why.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from '../../src/store/sqlite/database.js';
import { FILE_GONE, isStorageFailure } from '../../src/store/sqlite/file-health.js';
import type { WriterKind } from '../../src/store/sqlite/index.js';
import { useTempDir } from './sqlite-support.js';

describe('sqlite: the database file removed under the open stores', () => {
  const tmp = useTempDir();

  for (const writer of ['worker', 'inline'] as WriterKind[]) {
    it(`${writer} writer: ping() rejects and a write is refused (${FILE_GONE}), nothing committed`, async () => {
      const stores = tmp.open({ writer });
      await stores.users.createUser('alice', 'h');
      await expect(stores.ping()).resolves.toBeUndefined();

      rmSync(tmp.path());
      await expect(stores.ping()).rejects.toMatchObject({ code: FILE_GONE });
      await expect(stores.users.createUser('bob', 'h')).rejects.toMatchObject({ code: FILE_GONE });
      expect(stores.db.prepare("SELECT count(*) FROM users WHERE username = 'bob'").pluck().get()).toBe(0);
      // The refusal is a storage failure: ping() reports it even were the stat to pass.
      expect(stores.writer.storageFailure).toMatchObject({ code: FILE_GONE });
    });
  }
});

describe('sqlite: storage failures', () => {
  it('are the disk errors (I/O, full, read-only, cannot open, file gone), not a busy lock or a constraint', () => {
    const withCode = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_CANTOPEN', FILE_GONE]) {
      expect({ code, storage: isStorageFailure(withCode(code)) }).toEqual({ code, storage: true });
    }
    for (const code of ['SQLITE_BUSY', 'SQLITE_CONSTRAINT_UNIQUE', 'not_found']) {
      expect({ code, storage: isStorageFailure(withCode(code)) }).toEqual({ code, storage: false });
    }
    expect(isStorageFailure(new Error('no code'))).toBe(false);
  });
});

describe('sqlite: a path that cannot be opened', () => {
  const tmp = useTempDir();

  it('a folder, a path under a regular file, a file that is not a database: DatabaseOpenError naming the absolute path', () => {
    const folder = join(tmp.dir(), 'folder.db');
    mkdirSync(folder);
    const plain = join(tmp.dir(), 'plain');
    writeFileSync(plain, 'x');
    const notes = join(tmp.dir(), 'notes.txt');
    writeFileSync(notes, 'not the tables you are looking for\n'.repeat(200));

    const cases: Array<[string, RegExp]> = [
      [folder, /it is a folder/],
      [join(plain, 'data', 'parlor.db'), /ENOTDIR/],
      [notes, /not a database/],
    ];
    for (const [path, reason] of cases) {
      let thrown: unknown;
      try {
        openDatabase({ path }).close();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(DatabaseOpenError);
      expect((thrown as Error).message).toMatch(new RegExp(`^cannot open ${path}: `));
      expect((thrown as Error).message).toMatch(reason);
    }
    // The file that is not a database is left as the operator had it (not made owner-only).
    expect(statSync(notes).mode & 0o777).not.toBe(0o600);
  });
});
