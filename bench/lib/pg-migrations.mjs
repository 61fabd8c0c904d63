// PostgreSQL migrations for the bench scripts that compare a schema with and
// without one of them (migration 011: its WAL cost, its lock time).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MIGRATIONS_DIR } from '../../dist/store/postgres/index.js';

/** A copy of the migrations folder without `file`, and a function that removes the copy. */
export function migrationsWithout(file) {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-pg-migrations-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  rmSync(join(dir, file));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
