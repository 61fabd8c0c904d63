/**
 * The touch throttle forgets a session whose touch failed to write: else it
 * would take the new expiry as written and skip the next touches for up to a
 * minute, and the stored expiry would lag. (SQLite; the same rule in the
 * PostgreSQL store is not tested.)
 */
import type { SessionData } from 'express-session';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { SqliteSessionStore } from '../../src/store/sqlite/session-store.js';
import type { SqliteWriter } from '../../src/store/sqlite/sqlite-writer.js';

it('a touch whose write failed is written again by the next touch', async () => {
  const db = openDatabase({ path: ':memory:' });
  const written: string[] = [];
  let fail = true;
  const writer = {
    run: (op: string) => {
      written.push(op);
      return fail ? Promise.reject(new Error('disk I/O error')) : Promise.resolve(undefined);
    },
  } as unknown as SqliteWriter;
  let now = 1_000_000;
  const store = new SqliteSessionStore(db, writer, { now: () => now, pruneIntervalMs: 0 });
  const sess = () => ({ cookie: { originalMaxAge: 86_400_000, maxAge: 86_400_000, expires: new Date(now + 86_400_000) } }) as unknown as SessionData;
  const touch = () => new Promise<unknown>((resolve) => store.touch('sid-1', sess(), (err) => resolve(err)));

  expect(await touch()).toBeInstanceOf(Error);
  fail = false;
  now += 1000; // far less than the throttle step
  expect(await touch()).toBeFalsy();
  expect(written).toEqual(['touchSession', 'touchSession']);
  store.close();
  db.close();
});
