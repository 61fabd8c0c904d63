/**
 * db/sqlite/010_user_ids_never_reused.sql on a database at the previous
 * version: `users` is rebuilt with AUTOINCREMENT, keeping every account with
 * its id, name, password hash and the case-insensitive unique username; the
 * next id is above the highest account and above an id deleted before the
 * migration that a session, a token version or any user-id column of the
 * schema (messages, groups, invitations, notifications, consent, blocks, read
 * markers) still names: nothing cascades since 006, so an account given that
 * id would inherit what names it.
 */
import type { SessionData } from 'express-session';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, type SqliteStores } from '../../src/store/sqlite/index.js';
import { useTempDir } from './sqlite-support.js';

const MIGRATION = '010_user_ids_never_reused.sql';
const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

const saveSession = (stores: SqliteStores, sid: string, userId: number) =>
  new Promise<void>((resolve, reject) =>
    stores.sessions.set(sid, { cookie: { maxAge: 60_000 }, userId, username: 'gone' } as unknown as SessionData, (err) =>
      err ? reject(err) : resolve(),
    ),
  );

describe(`sqlite: ${MIGRATION}`, () => {
  const tmp = useTempDir();

  function migrationsUpTo(dir: string, last: string): void {
    for (const f of migrationFiles.filter((f) => f <= last)) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));
  }
  const previous = migrationFiles.filter((f) => f < MIGRATION).at(-1)!;

  async function before(setUp: (stores: SqliteStores) => Promise<void>): Promise<{ dir: string; rows: unknown[] }> {
    const dir = join(tmp.dir(), 'migrations');
    mkdirSync(dir);
    migrationsUpTo(dir, previous);
    const stores = tmp.open({ migrationsDir: dir, writer: 'inline' });
    await setUp(stores);
    const rows = stores.db.prepare('SELECT * FROM users ORDER BY id').all();
    await stores.close();
    return { dir, rows };
  }

  it('keeps every account and its id; the next account gets an id above the highest', async () => {
    const { dir, rows } = await before(async (s) => {
      await s.users.createUser('alice', 'hash-a');
      const bob = await s.users.createUser('Bob', 'hash-b');
      await s.users.createUser('carol', 'hash-c');
      await s.users.deleteUser(bob.id); // a gap in the middle stays a gap
      // Reused before the migration, as the defect did: the newest id deleted and taken again.
      const dave = await s.users.createUser('dave', 'hash-d');
      await s.users.deleteUser(dave.id);
      expect((await s.users.createUser('erin', 'hash-e')).id).toBe(dave.id);
    });
    expect(rows).toHaveLength(3);

    migrationsUpTo(dir, MIGRATION);
    const after = tmp.open({ migrationsDir: dir, writer: 'inline' });
    expect(after.db.prepare('SELECT * FROM users ORDER BY id').all()).toEqual(rows);
    expect(after.db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'users'`).pluck().get()).toMatch(/AUTOINCREMENT/);
    expect(await after.users.findByUsername('BOB')).toBeNull();
    expect((await after.users.findByUsername('ALICE'))?.passwordHash).toBe('hash-a');
    await expect(after.users.createUser('CAROL', 'h')).rejects.toMatchObject({ code: 'conflict' });

    const highest = Math.max(...rows.map((r) => (r as { id: number }).id));
    const erin = (await after.users.findByUsername('erin'))!;
    expect(erin.id).toBe(highest);
    await after.users.deleteUser(erin.id);
    const next = await after.users.createUser('frank', 'h');
    expect(next.id).toBe(highest + 1);
  });

  it.each([
    { namedBy: 'a session', keep: (s: SqliteStores, id: number) => saveSession(s, 'survivor', id) },
    { namedBy: 'a token version', keep: async (s: SqliteStores, id: number) => void (await s.tokenVersions.bump(id)) },
  ])('does not hand out an id deleted before the migration that $namedBy still names', async ({ keep }) => {
    let deleted = 0;
    const { dir } = await before(async (s) => {
      await s.users.createUser('alice', 'h');
      deleted = (await s.users.createUser('undone', 'h')).id;
      await keep(s, deleted);
      await s.users.deleteUser(deleted);
    });

    migrationsUpTo(dir, MIGRATION);
    const after = tmp.open({ migrationsDir: dir, writer: 'inline' });
    expect((await after.users.createUser('newbie', 'h')).id).toBe(deleted + 1);
  });

  // Rows of an id deleted before the migration, each naming it (?) in one user-id column; user 1 is alice, group 7 hers.
  it.each([
    { column: 'messages.sender_id', sql: "INSERT INTO messages (sender_id, recipient_id, content, created_at) VALUES (?, 1, 'hi', 0)" },
    { column: 'messages.recipient_id', sql: "INSERT INTO messages (sender_id, recipient_id, content, created_at) VALUES (1, ?, 'private', 0)" },
    { column: 'groups.owner_id', sql: "INSERT INTO groups (name, owner_id, created_at) VALUES ('team', ?, 0)" },
    { column: 'group_members.user_id', sql: "INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at) VALUES (7, ?, 'accepted', 1, 0)" },
    { column: 'group_members.invited_by', sql: "INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at) VALUES (7, 1, 'invited', ?, 0)" },
    { column: 'private_peers.peer_id', sql: 'INSERT INTO private_peers (user_id, peer_id) VALUES (1, ?)' },
    { column: 'private_writers.user_id', sql: 'INSERT INTO private_writers (user_id, peer_id) VALUES (?, 1)' },
    { column: 'user_blocks.blocked_id', sql: 'INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (1, ?, 0)' },
    { column: 'user_blocks.blocker_id', sql: 'INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (?, 1, 0)' },
    { column: 'read_markers.user_id', sql: "INSERT INTO read_markers (user_id, kind, target_id, last_read_id, updated_at) VALUES (?, 'group', 7, 1, 0)" },
    { column: "read_markers.target_id (kind 'private')", sql: "INSERT INTO read_markers (user_id, kind, target_id, last_read_id, updated_at) VALUES (1, 'private', ?, 1, 0)" },
    { column: 'notifications.user_id', sql: "INSERT INTO notifications (user_id, subtype, message, created_at) VALUES (?, 'group_invite', 'alice invited you', 0)" },
    {
      column: "a group_invite notification's data.from",
      sql: "INSERT INTO notifications (user_id, subtype, message, data, created_at) VALUES (1, 'group_invite', 'undone invited you', json_object('group_id', 7, 'from', CAST(? AS INTEGER)), 0)",
    },
  ])('does not hand out an id deleted before the migration that $column still names', async ({ sql }) => {
    let deleted = 0;
    const { dir } = await before(async (s) => {
      await s.users.createUser('alice', 'h');
      deleted = (await s.users.createUser('undone', 'h')).id;
      s.db.prepare("INSERT INTO groups (id, name, owner_id, created_at) VALUES (7, 'alice''s', 1, 0)").run();
      s.db.prepare(sql).run(deleted);
      await s.users.deleteUser(deleted);
    });

    migrationsUpTo(dir, MIGRATION);
    const after = tmp.open({ migrationsDir: dir, writer: 'inline' });
    expect((await after.users.createUser('newbie', 'h')).id).toBe(deleted + 1);
  });
});
