/**
 * Numbered SQL migration files (`NNN_name.sql`), read from a folder in the
 * order they apply. Both backends keep their own folder (db/sqlite/,
 * db/postgres/) and their own way of applying them; reading the files is the
 * same for both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIGRATION_FILE = /^\d+_[\w.-]+\.sql$/;

export interface Migration {
  name: string;
  sql: string;
}

/** The migration files of a folder (a path or a `file:` URL), in the order they apply. */
export function loadMigrationFiles(dir: URL | string): Migration[] {
  const folder = dir instanceof URL ? fileURLToPath(dir) : dir;
  return readdirSync(folder)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(folder, name), 'utf8') }));
}
