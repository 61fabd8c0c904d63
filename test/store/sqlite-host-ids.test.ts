/**
 * The table rebuilds that drop Parlor's references to its own `users`
 * (db/sqlite/006_host_user_ids.sql: a host's users have no row there) and
 * from messages to its own `groups` (008_host_group_ids.sql: nor do a host's
 * groups) keep every row, index, trigger, generated column and the message id
 * high-water mark, and every other reference.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/sqlite/index.js';
import { useTempDir } from './sqlite-support.js';

const REBUILT = ['groups', 'group_members', 'messages', 'private_peers', 'read_markers', 'notifications'];
const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

function inspect(path: string) {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return {
      rows: Object.fromEntries(REBUILT.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()])),
      // Every index and trigger, whoever's migration made it (ours or a later one's).
      objects: db
        .prepare(`SELECT type, name, tbl_name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name`)
        .all(),
      references: Object.fromEntries(
        REBUILT.map((t) => [t, (db.pragma(`foreign_key_list(${t})`) as Array<{ table: string; from: string }>).map((r) => `${r.from}->${r.table}`)]),
      ),
      sequence: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'messages'`).pluck().get(),
      violations: db.pragma('foreign_key_check'),
    };
  } finally {
    db.close();
  }
}

const REBUILDS = [
  {
    migration: '006_host_user_ids.sql',
    dropped: 'sender_id->users',
    references: {
      groups: [],
      group_members: ['group_id->groups'],
      messages: ['group_id->groups'],
      private_peers: [],
      read_markers: [],
      notifications: [],
    },
  },
  {
    migration: '008_host_group_ids.sql',
    dropped: 'group_id->groups',
    references: {
      groups: [],
      group_members: ['group_id->groups'],
      messages: [],
      private_peers: [],
      read_markers: [],
      notifications: [],
    },
  },
];

describe.each(REBUILDS)('sqlite: $migration', ({ migration: MIGRATION, dropped, references }) => {
  const tmp = useTempDir();

  it(`keeps every row, index, trigger and the id high-water mark; drops ${dropped} and no other reference`, async () => {
    const dir = join(tmp.dir(), 'migrations');
    mkdirSync(dir);
    for (const f of migrationFiles.filter((f) => f < MIGRATION)) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));

    const before = tmp.open({ migrationsDir: dir, writer: 'inline' });
    const a = await before.users.createUser('alice', 'h');
    const b = await before.users.createUser('bob', 'h');
    // The group's rows as the old schema's writes left them: today's group writes also read user_blocks (007).
    const g = before.db.prepare(`INSERT INTO groups (name, owner_id, created_at) VALUES ('club', ?, 1) RETURNING id`).get(a.id) as { id: number };
    before.db
      .prepare(`INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at) VALUES (?, ?, 'accepted', NULL, 1), (?, ?, 'accepted', ?, 2)`)
      .run(g.id, a.id, g.id, b.id, a.id);
    const p = await before.messages.savePrivate({ from: a.id, to: b.id, content: 'hi', clientId: 'c1' });
    await before.messages.markDelivered(p.message.id, b.id);
    await before.messages.markRead(b.id, p.message.id);
    const gm = await before.messages.saveGroup({ from: b.id, groupId: g.id, content: 'all' });
    await before.messages.markGroupRead(a.id, g.id, gm.message.id);
    await before.messages.saveNotification(b.id, 'group_invite', 'join us', { group_id: g.id });
    const newest = await before.messages.savePrivate({ from: b.id, to: a.id, content: 'deleted later' });
    before.db.prepare('DELETE FROM messages WHERE id = ?').run(newest.message.id);
    await before.close();
    const old = inspect(tmp.path());
    expect(Object.values(old.references).flat()).toContain(dropped);

    copyFileSync(new URL(MIGRATION, DEFAULT_MIGRATIONS_DIR), join(dir, MIGRATION));
    const after = tmp.open({ migrationsDir: dir, writer: 'inline' });
    await after.close();
    const migrated = inspect(tmp.path());

    expect(migrated.rows).toEqual(old.rows);
    expect(migrated.objects).toEqual(old.objects);
    expect(migrated.sequence).toBe(newest.message.id);
    expect(migrated.violations).toEqual([]);
    expect(migrated.references).toEqual(references);

    // And it works, with the later migrations too: ids with no account, the triggers keep
    // private_peers (and private_writers: a reply makes contacts, 007), no id is reused.
    for (const f of migrationFiles.filter((f) => f > MIGRATION)) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));
    const again = tmp.open({ migrationsDir: dir, writer: 'inline' });
    const host = await again.messages.savePrivate({ from: 9001, to: 9002, content: 'host users' });
    await again.messages.savePrivate({ from: 9002, to: 9001, content: 'hello back' });
    expect(host.message.id).toBeGreaterThan(newest.message.id);
    expect(await again.groups.contactsOf(9001)).toEqual([9002]);
    // A host group's message needs no row in groups (008); a Parlor group's members still go with it (ON DELETE CASCADE).
    const hostGroup = await again.messages.saveGroup({ from: 9001, groupId: 777_777, content: 'host group' });
    expect(hostGroup.message.id).toBeGreaterThan(host.message.id);
    again.db.prepare('DELETE FROM groups WHERE id = ?').run(g.id);
    expect(again.db.prepare('SELECT count(*) FROM group_members WHERE group_id = ?').pluck().get(g.id)).toBe(0);
  });
});
