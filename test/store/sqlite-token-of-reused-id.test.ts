/**
 * The upgrade to migration 010 on SQLite, with a bearer token of a deleted account that never revoked: 010
 * cannot see that token (version 0 is no token_versions row), so the first registration after the upgrade
 * gets the deleted id, as SQLite gave it before 010. The token was issued before that account was created,
 * so TokenService refuses it instead of taking it for the new account.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TokenService, tokenKey } from '../../src/auth/token-service.js';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/sqlite/index.js';
import { useTempDir } from './sqlite-support.js';

const MIGRATION = '010_user_ids_never_reused.sql';
const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
const tmp = useTempDir();
const signing = { key: tokenKey('a session secret of forty characters or so'), audience: '/ws' };

it('a token of an account deleted before the upgrade does not act as the next account given its id', async () => {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const dir = join(tmp.dir(), 'migrations');
  mkdirSync(dir);
  for (const f of migrationFiles.filter((f) => f < MIGRATION)) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));

  // Before the upgrade: the newest account gets a token (a second tab's POST /api/auth/token), then register's undo deletes it.
  const old = tmp.open({ migrationsDir: dir, writer: 'inline', now });
  await old.users.createUser('alice', 'h');
  const undone = await old.users.createUser('undone', 'h');
  const { token } = await new TokenService(signing, old.tokenVersions, old.users, undefined, undefined, now).issue(undone.id);
  await old.users.deleteUser(undone.id);
  await old.close();

  // The upgrade, a few seconds later, then a registration.
  clock += 5_000;
  copyFileSync(new URL(MIGRATION, DEFAULT_MIGRATIONS_DIR), join(dir, MIGRATION));
  const after = tmp.open({ migrationsDir: dir, writer: 'inline', now });
  const newcomer = await after.users.createUser('newcomer', 'h');
  expect(newcomer.id).toBe(undone.id); // nothing 010 reads names the deleted id: the case the token check covers
  const tokens = new TokenService(signing, after.tokenVersions, after.users, undefined, undefined, now);
  expect(await tokens.verify(token)).toBeNull();
  // The newcomer's own tokens work.
  expect(await tokens.verify((await tokens.issue(newcomer.id)).token)).toMatchObject({ userId: newcomer.id, username: 'newcomer' });
});
