/**
 * db/sqlite/007_consent.sql on a database with history: who has written to
 * whom is recomputed from the messages already there (one row per direction),
 * so earlier one-way conversations become requests and answered ones stay
 * contacts; a trigger keeps it up to date afterwards.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/sqlite/index.js';
import { useTempDir } from './sqlite-support.js';

const MIGRATION = '007_consent.sql';
const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

describe(`sqlite: ${MIGRATION}`, () => {
  const tmp = useTempDir();

  it('derives private_writers from the stored messages, then keeps it with the trigger', async () => {
    const dir = join(tmp.dir(), 'migrations');
    mkdirSync(dir);
    for (const f of migrationFiles.filter((f) => f < MIGRATION)) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));

    const before = tmp.open({ migrationsDir: dir, writer: 'inline' });
    await before.messages.savePrivate({ from: 1, to: 2, content: 'answered' });
    await before.messages.savePrivate({ from: 2, to: 1, content: 'the answer' });
    await before.messages.savePrivate({ from: 3, to: 1, content: 'never answered' });
    await before.close();

    copyFileSync(new URL(MIGRATION, DEFAULT_MIGRATIONS_DIR), join(dir, MIGRATION));
    const after = tmp.open({ migrationsDir: dir, writer: 'inline' });
    expect(after.db.prepare('SELECT user_id, peer_id FROM private_writers ORDER BY 1, 2').all()).toEqual([
      { user_id: 1, peer_id: 2 },
      { user_id: 2, peer_id: 1 },
      { user_id: 3, peer_id: 1 },
    ]);
    expect(await after.groups.contactsOf(1)).toEqual([2]);
    expect((await after.conversations.conversations(1)).map((c) => [c.kind === 'private' && c.user_id, c.request ?? false])).toEqual([
      [3, true],
      [2, false],
    ]);

    await after.messages.savePrivate({ from: 1, to: 3, content: 'accepted now' });
    expect(await after.groups.contactsOf(1)).toEqual([2, 3]);
    await after.close();
  });
});
