/**
 * Every public createParlor option (each key of `ParlorOptions`, src/app.ts)
 * is named, in backquotes, in README.md or docs/: the README's
 * `createParlor(options)` paragraph lists them with their defaults.
 *
 * It used to miss `processMetrics`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

it('every createParlor option is named in the README or docs', () => {
  const app = readFileSync(join(ROOT, 'src/app.ts'), 'utf8');
  const body = app.slice(app.indexOf('export interface ParlorOptions {'), app.indexOf('\n}\n', app.indexOf('export interface ParlorOptions {')));
  const keys = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]!);
  expect(keys.length).toBeGreaterThan(10);
  const docs = [readFileSync(join(ROOT, 'README.md'), 'utf8'), ...readdirSync(join(ROOT, 'docs')).map((f) => readFileSync(join(ROOT, 'docs', f), 'utf8'))].join('\n');
  expect(keys.filter((k) => !docs.includes(`\`${k}\``))).toEqual([]);
});

/** The option names of `export interface <name>` in `file`. */
function optionNames(file: string, name: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const start = source.indexOf(`export interface ${name} `);
  expect(start, `${file}: interface ${name}`).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf('\n}\n', start));
  return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]!);
}

it("every option of openSqliteStores and openPostgresStores is named where the stores' options are described", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const scaling = readFileSync(join(ROOT, 'docs/scaling.md'), 'utf8');
  const sqlite = optionNames('src/store/sqlite/index.ts', 'SqliteStoresOptions');
  const postgres = [...optionNames('src/store/postgres/database.ts', 'PgDatabaseOptions'), ...optionNames('src/store/postgres/index.ts', 'PostgresStoresOptions')];
  expect(sqlite).toEqual(expect.arrayContaining(['maxBatch', 'busyTimeoutMs', 'relationCachePairs', 'now']));
  expect(postgres).toEqual(expect.arrayContaining(['maxBatch', 'membershipListener', 'migrationsDir', 'poolSize']));
  const sqliteDocs = readme.slice(readme.indexOf('`openSqliteStores(options)`'));
  const postgresDocs = scaling.slice(scaling.indexOf('`openPostgresStores` also takes'));
  expect(sqlite.filter((k) => !sqliteDocs.slice(0, 2000).includes(`\`${k}\``))).toEqual([]);
  expect(postgres.filter((k) => !['connectionString', 'schema', 'logger'].includes(k) && !postgresDocs.slice(0, 2000).includes(`\`${k}\``))).toEqual([]);
});
