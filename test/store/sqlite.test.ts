import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { SessionData } from 'express-session';
import { describe, expect, it, vi } from 'vitest';
import { isParlorError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { CONVERSATIONS_QUERY } from '../../src/store/sqlite/conversation-store.js';
import { openConnection } from '../../src/store/sqlite/database.js';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate, openSqliteStores, sessionExpiry } from '../../src/store/sqlite/index.js';
import { MESSAGE_QUERIES } from '../../src/store/sqlite/message-store.js';
import { runStoreContract } from './store-contract.js';
import { useTempDir } from './sqlite-support.js';

// The same contract whichever thread writes: the worker (the default for a file) and this thread.
for (const writer of ['worker', 'inline'] as const) {
  runStoreContract(`sqlite (${writer} writer)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parlor-contract-'));
    const stores = openSqliteStores({ path: join(dir, 'contract.db'), writer });
    return {
      stores,
      async cleanup() {
        await stores.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

describe('sqlite: opening', () => {
  const tmp = useTempDir();

  it('creates the folder of the file and names itself after the path', () => {
    const path = join(tmp.dir(), 'nested', 'deeper', 'parlor.db');
    const stores = tmp.open({ path });
    expect(existsSync(path)).toBe(true);
    expect(stores.description).toBe(`sqlite:${path} (writes: worker thread)`);
  });

  // synchronous, foreign_keys and busy_timeout belong to a connection, not to the file: each connection must set them.
  const expectDurablePragmas = (db: BetterSqlite3.Database, busyTimeoutMs: number) => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(busyTimeoutMs);
  };

  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const stores = tmp.open();
    expectDurablePragmas(stores.db, 5000);
    // WAL is a property of the file: another connection reads it back.
    const other = new BetterSqlite3(tmp.path(), { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  it("sets the same pragmas on the write worker's connection (openConnection), where every write commits", () => {
    tmp.open(); // creates and migrates the file the worker connects to
    const workers = openConnection(tmp.path(), 1234);
    try {
      expectDurablePragmas(workers, 1234);
    } finally {
      workers.close();
    }
  });

  it("enforces the one-target check in the schema itself; user and group ids reference nothing (they may be a host's)", async () => {
    const stores = tmp.open();
    const a = await stores.users.createUser('alice', 'h');
    const g = await stores.groups.createGroup(a.id, 'g');
    const insert = stores.db.prepare(
      'INSERT INTO messages (sender_id, recipient_id, group_id, content, created_at) VALUES (?, ?, ?, ?, 0)',
    );
    expect(() => insert.run(a.id, null, 999, 'host group')).not.toThrow();
    expect(() => insert.run(999, 998, null, 'host users')).not.toThrow();
    expect(() => insert.run(a.id, a.id, g.id, 'both')).toThrow(/CHECK/);
    expect(() => insert.run(a.id, null, null, 'neither')).toThrow(/CHECK/);
    expect(() => stores.db.prepare(`UPDATE group_members SET status = 'owner'`).run()).toThrow(/CHECK/);
  });

  it('never reuses a message id, even after the newest row is deleted', async () => {
    const stores = tmp.open();
    const a = await stores.users.createUser('alice', 'h');
    const first = await stores.messages.savePrivate({ from: a.id, to: a.id, content: '1' });
    stores.db.prepare('DELETE FROM messages WHERE id = ?').run(first.message.id);
    await stores.close();
    const again = tmp.open();
    const second = await again.messages.savePrivate({ from: a.id, to: a.id, content: '2' });
    expect(second.message.id).toBeGreaterThan(first.message.id);
  });
});

describe('sqlite: migrations', () => {
  const tmp = useTempDir();
  const applied = (path: string) => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      return db.prepare('SELECT name, applied_at FROM schema_migrations ORDER BY name').all() as Array<{ name: string; applied_at: number }>;
    } finally {
      db.close();
    }
  };

  it('records every migration file once, and opening again applies nothing', async () => {
    expect(migrationFiles[0]).toBe('001_init.sql');
    await tmp.open().close();
    const first = applied(tmp.path());
    expect(first.map((r) => r.name)).toEqual(migrationFiles);
    await tmp.open().close();
    expect(applied(tmp.path())).toEqual(first);
  });

  it('migrate() returns what it applied: every file the first time, nothing from another connection after', () => {
    const one = new BetterSqlite3(tmp.path());
    const two = new BetterSqlite3(tmp.path());
    try {
      const files = loadMigrations();
      expect(files.map((m) => m.name)).toEqual(migrationFiles);
      expect(migrate(one, files)).toEqual(migrationFiles);
      expect(migrate(two, files)).toEqual([]);
      expect(migrate(one, files)).toEqual([]);
    } finally {
      one.close();
      two.close();
    }
  });

  it('applies a new migration on the next open, leaving the earlier ones alone', async () => {
    const dir = join(tmp.dir(), 'migrations');
    mkdirSync(dir);
    for (const f of migrationFiles) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));
    const first = tmp.open({ migrationsDir: dir });
    await first.users.createUser('kept', 'h');
    await first.close();
    writeFileSync(join(dir, '900_extra.sql'), 'CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);');
    const second = tmp.open({ migrationsDir: dir });
    expect(second.db.prepare('SELECT count(*) FROM extra').pluck().get()).toBe(1);
    expect((await second.users.findByUsername('kept'))?.username).toBe('kept');
    await second.close();
    await tmp.open({ migrationsDir: dir }).close();
    expect(applied(tmp.path()).map((r) => r.name)).toEqual([...migrationFiles, '900_extra.sql']);
    const db = new BetterSqlite3(tmp.path(), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM extra').pluck().get()).toBe(1);
    db.close();
  });

  it('a failing migration leaves no trace and is retried on the next open', async () => {
    const dir = join(tmp.dir(), 'migrations');
    mkdirSync(dir);
    for (const f of migrationFiles) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));
    writeFileSync(join(dir, '900_broken.sql'), 'CREATE TABLE half (x); INSERT INTO no_such_table VALUES (1);');
    expect(() => tmp.open({ migrationsDir: dir })).toThrow(/900_broken\.sql/);
    expect(applied(tmp.path()).map((r) => r.name)).toEqual(migrationFiles);
    const db = new BetterSqlite3(tmp.path(), { readonly: true });
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'half'`).pluck().get()).toBe(0);
    db.close();
    writeFileSync(join(dir, '900_broken.sql'), 'CREATE TABLE half (x);');
    await tmp.open({ migrationsDir: dir }).close();
    expect(applied(tmp.path()).map((r) => r.name)).toEqual([...migrationFiles, '900_broken.sql']);
  });
});

describe('sqlite: persistence and close', () => {
  const tmp = useTempDir();

  it('keeps every kind of row across close and reopen', async () => {
    const first = tmp.open();
    const a = await first.users.createUser('alice', 'ha');
    const b = await first.users.createUser('bob', 'hb');
    const g = await first.groups.createGroup(a.id, 'g');
    await first.groups.invite(g.id, b.id, a.id);
    const pm = await first.messages.savePrivate({ from: a.id, to: b.id, content: 'hi', clientId: 'c1' });
    const gm = await first.messages.saveGroup({ from: a.id, groupId: g.id, content: 'all' });
    const n = await first.messages.saveNotification(b.id, 'group_invite', 'join us', { group_id: g.id });
    await first.messages.markRead(b.id, pm.message.id);
    await new Promise<void>((resolve, reject) =>
      first.sessions.set('sid-1', { cookie: { maxAge: 60_000 }, userId: a.id } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
    );
    await first.close();

    const again = tmp.open();
    expect(await again.users.findByUsername('ALICE')).toEqual({ id: a.id, username: 'alice', passwordHash: 'ha' });
    expect(await again.groups.memberStatus(g.id, b.id)).toBe('invited');
    expect((await again.messages.privateHistory(b.id, a.id, { limit: 5 })).items).toEqual([{ ...pm.message, status: 'read' }]);
    expect((await again.messages.groupHistory(g.id, { limit: 5 })).items).toEqual([gm.message]);
    expect(await again.messages.savePrivate({ from: a.id, to: b.id, content: 'retry', clientId: 'c1' })).toEqual({
      message: pm.message,
      duplicate: true,
    });
    expect((await again.notifications.list(b.id, { limit: 5 })).items).toEqual([{ ...n, read: false }]);
    const sess = await new Promise((resolve, reject) => again.sessions.get('sid-1', (err, s) => (err ? reject(err) : resolve(s))));
    expect(sess).toEqual({ cookie: { maxAge: 60_000 }, userId: a.id });
  });

  it('close() commits the writes still queued, then refuses new ones', async () => {
    const first = tmp.open();
    const a = await first.users.createUser('alice', 'h');
    const pending = [1, 2, 3].map((i) => first.messages.savePrivate({ from: a.id, to: a.id, content: `m${i}` }));
    expect(first.writer.size).toBe(3);
    const closed = first.close();
    const saved = await Promise.all(pending);
    await closed;
    expect(saved.map((s) => s.duplicate)).toEqual([false, false, false]);
    await expect(first.messages.savePrivate({ from: a.id, to: a.id, content: 'late' })).rejects.toThrow(/closed/);
    await expect(Promise.resolve().then(() => first.ping())).rejects.toThrow(/closed/);
    await expect(first.close()).resolves.toBeUndefined();

    const again = tmp.open();
    expect((await again.messages.privateHistory(a.id, a.id, { limit: 10 })).items.map((m) => m.content)).toEqual(['m3', 'm2', 'm1']);
  });
});

describe('sqlite: query plans', () => {
  const tmp = useTempDir();
  const plan = (db: BetterSqlite3.Database, sql: string, params: Record<string, number | string>) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');

  it('every read path is an index search: no table scan, no sort of the messages', () => {
    const { db } = tmp.open();
    const p = { lo: 1, hi: 2, group: 1, user: 1, since: 0, below: 100, limit: 10, before: 10, take: 11, offset: 0, groups: '[7, 8]' };
    for (const [name, sql] of Object.entries(MESSAGE_QUERIES)) {
      const detail = plan(db, sql, p);
      expect(detail, name).toMatch(/SEARCH messages (EXISTS )?USING (COVERING )?INDEX messages_/);
      // No sort of messages (USE TEMP B-TREE FOR ORDER BY); a UNION of group ids may use one to drop duplicates.
      expect(detail, name).not.toMatch(/SCAN messages|USE TEMP B-TREE/);
    }
    const conv = plan(db, CONVERSATIONS_QUERY, { user: 1, groups: '[7, 8]' });
    expect(conv).not.toMatch(/SCAN (messages|group_members)\b/);
    expect(conv).toMatch(/messages_private_pair/);
    expect(conv).toMatch(/messages_group/);
  });
});

describe('sqlite: sessions', () => {
  const tmp = useTempDir();
  const rows = (db: BetterSqlite3.Database) => db.prepare('SELECT sid FROM sessions ORDER BY sid').pluck().all();
  const set = (stores: ReturnType<typeof tmp.open>, sid: string, cookie: object) =>
    new Promise<void>((resolve, reject) =>
      stores.sessions.set(sid, { cookie } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
    );

  it('expiry comes from cookie.expires, else maxAge, else one day', () => {
    const now = 1_000_000;
    const at = (cookie: object | undefined) => sessionExpiry({ cookie } as unknown as SessionData, now);
    expect(at({ expires: new Date(5_000_000) })).toBe(5_000_000);
    expect(at({ expires: new Date(5_000_000).toISOString(), maxAge: 1 })).toBe(5_000_000);
    expect(at({ expires: null, maxAge: 30_000 })).toBe(now + 30_000);
    expect(at({ originalMaxAge: 40_000 })).toBe(now + 40_000);
    expect(at({ expires: false, originalMaxAge: null })).toBe(now + 86_400_000);
    expect(at(undefined)).toBe(now + 86_400_000);
  });

  it('prunes expired rows on an unref()d interval and stops at close', async () => {
    const warn = vi.fn();
    const logger = { warn, debug: vi.fn(), info: vi.fn(), error: vi.fn() } as unknown as Logger;
    // Both rows are written before the pruning instance opens on the same file, so a prune cannot race the check.
    const writer = tmp.open(); // pruning off
    await set(writer, 'live', { maxAge: 60_000 });
    await set(writer, 'old', { expires: new Date(Date.now() - 1000) });
    expect(rows(writer.db)).toEqual(['live', 'old']);
    await writer.close();
    const stores = tmp.open({ sessionPruneIntervalMs: 20, logger });
    expect(stores.sessions.pruneTimerRefed).toBe(false);
    await vi.waitFor(() => expect(rows(stores.db)).toEqual(['live']), { timeout: 2000, interval: 10 });
    await stores.close();
    // A timer left running would now hit the closed database and log a warning.
    await new Promise((r) => setTimeout(r, 80));
    expect(warn).not.toHaveBeenCalled();
  });

  it('pruneExpired() deletes exactly the expired rows and counts them', async () => {
    const stores = tmp.open();
    await set(stores, 'a', { maxAge: 60_000 });
    await set(stores, 'b', { expires: new Date(Date.now() - 1) });
    await set(stores, 'c', { expires: new Date(Date.now() - 1000) });
    expect(await stores.sessions.pruneExpired()).toBe(2);
    expect(rows(stores.db)).toEqual(['a']);
  });

  it('after close, callbacks get the error; no method throws', async () => {
    const stores = tmp.open();
    await stores.close();
    const errOf = (call: (cb: (err?: unknown) => void) => void) =>
      new Promise<unknown>((resolve) => {
        expect(() => call((err) => resolve(err))).not.toThrow();
      });
    const s = stores.sessions;
    for (const err of await Promise.all([
      errOf((cb) => s.get('x', cb)),
      errOf((cb) => s.set('x', { cookie: {} } as unknown as SessionData, cb)),
      errOf((cb) => s.destroy('x', cb)),
      errOf((cb) => s.touch('x', { cookie: {} } as unknown as SessionData, cb)),
      errOf((cb) => s.length(cb)),
      errOf((cb) => s.all(cb)),
      errOf((cb) => s.clear(cb)),
    ])) {
      expect(err).toBeInstanceOf(Error);
      expect(isParlorError(err)).toBe(false);
    }
  });
});
