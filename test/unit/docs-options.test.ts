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
