/**
 * savePrivate/saveGroup answer a new message with `[id, created_at]` only
 * (message-writes.ts) and the store rebuilds the rest from its input: the
 * message a store returns must be exactly the one `toPrivateMessage` /
 * `toGroupMessage` makes of the stored row, with either writer.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MESSAGE_COLUMNS, type MessageRow, toGroupMessage, toPrivateMessage } from '../../src/store/rows.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { prepareMessageWrites } from '../../src/store/sqlite/message-writes.js';
import type { WriterKind } from '../../src/store/sqlite/sqlite-writer.js';
import { useTempDir } from './sqlite-support.js';

/** The stored row, read on a connection of its own. */
function rowOf(stores: SqliteStores, path: string | null, id: number): MessageRow {
  const db = path ? new BetterSqlite3(path, { readonly: true }) : stores.db;
  try {
    return db.prepare<[number], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`).get(id)!;
  } finally {
    if (path) db.close();
  }
}

/** Equal field by field and in the same key order (frames and events are JSON.stringify'd). */
function expectIdentical(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

describe.each<WriterKind>(['inline', 'worker'])('sqlite (%s writer): the saved message is the stored row', (kind) => {
  const tmp = useTempDir();
  let clock = 1_700_000_000_000;
  const open = () => {
    const now = () => (clock += 7);
    if (kind === 'inline') {
      const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, now });
      return { stores, path: null };
    }
    return { stores: tmp.open({ now }), path: tmp.path() };
  };

  it('a new private message and a new group message, rebuilt from the compact answer', async () => {
    const { stores, path } = open();
    try {
      const a = await stores.users.createUser('alice', 'h');
      const b = await stores.users.createUser('bob', 'h');
      const g = await stores.groups.createGroup(a.id, 'g');
      for (const clientId of ['c1', undefined]) {
        const saved = await stores.messages.savePrivate({ from: a.id, to: b.id, content: `to bob ${clientId}`, clientId });
        expect(saved.duplicate).toBe(false);
        expectIdentical(saved.message, toPrivateMessage(rowOf(stores, path, saved.message.id)));
        const inGroup = await stores.messages.saveGroup({ from: b.id, groupId: g.id, content: `to g ${clientId}`, clientId });
        expect(inGroup.duplicate).toBe(false);
        expectIdentical(inGroup.message, toGroupMessage(rowOf(stores, path, inGroup.message.id)));
      }
    } finally {
      await stores.close();
    }
  });

  it('a duplicate returns the earlier stored message, with its own content and timestamp, not the resend', async () => {
    const { stores, path } = open();
    try {
      const a = await stores.users.createUser('alice', 'h');
      const b = await stores.users.createUser('bob', 'h');
      const g = await stores.groups.createGroup(a.id, 'g');
      const first = await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'first', clientId: 'same' });
      const again = await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'edited resend', clientId: 'same' });
      expect(again.duplicate).toBe(true);
      expectIdentical(again.message, first.message);
      expectIdentical(again.message, toPrivateMessage(rowOf(stores, path, first.message.id)));

      const firstInGroup = await stores.messages.saveGroup({ from: a.id, groupId: g.id, content: 'first', clientId: 'g-same' });
      const againInGroup = await stores.messages.saveGroup({ from: a.id, groupId: g.id, content: 'edited resend', clientId: 'g-same' });
      expect(againInGroup.duplicate).toBe(true);
      expectIdentical(againInGroup.message, firstInGroup.message);
    } finally {
      await stores.close();
    }
  });

  it('content SQLite stores other than given (a lone surrogate) comes back as stored, not as sent', async () => {
    const { stores, path } = open();
    try {
      const a = await stores.users.createUser('alice', 'h');
      const g = await stores.groups.createGroup(a.id, 'g');
      const sent = 'half a pair: \ud83d!';
      const saved = await stores.messages.savePrivate({ from: a.id, to: a.id, content: sent });
      expect(saved.message.content).not.toBe(sent);
      expectIdentical(saved.message, toPrivateMessage(rowOf(stores, path, saved.message.id)));
      const inGroup = await stores.messages.saveGroup({ from: a.id, groupId: g.id, content: sent });
      expect(inGroup.message.content).not.toBe(sent);
      expectIdentical(inGroup.message, toGroupMessage(rowOf(stores, path, inGroup.message.id)));
    } finally {
      await stores.close();
    }
  });
});

describe('sqlite: what savePrivate answers across the thread boundary', () => {
  it('[id, created_at] for a new message stored as given; the whole Saved for a duplicate', () => {
    const db = openDatabase({ path: ':memory:' });
    try {
      const writes = prepareMessageWrites(db);
      const fresh = writes.savePrivate(1, 2, 'hello', 'c1', 1000);
      expect(fresh).toEqual([expect.any(Number), 1000]);
      expect(writes.savePrivate(1, 2, 'hello again', 'c1', 2000)).toEqual({
        message: { id: (fresh as [number, number])[0], from: 1, to: 2, content: 'hello', timestamp: 1000 },
        duplicate: true,
      });
      expect(writes.saveGroup(1, 5, 'hi all', null, 3000)).toEqual([expect.any(Number), 3000]);
    } finally {
      db.close();
    }
  });
});
