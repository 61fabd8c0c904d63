/**
 * The two backends share their rules through src/store/ (src/store/domain/ and
 * the modules beside it), never through each other: a file of
 * src/store/sqlite never imports one of src/store/postgres, nor the other way
 * round, and the shared rules import neither. A rule found in one backend and
 * needed by the other moves to the shared modules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const STORE = fileURLToPath(new URL('../../src/store/', import.meta.url));

/** Every `from '...'` and `import('...')` specifier of a TypeScript source. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** `from -> to` for each import of a file under `dir` that lands under one of `forbidden` (folders of src/store) or is one of `packages`. */
function crossings(dir: string, forbidden: string[], packages: string[] = []): string[] {
  const out: string[] = [];
  for (const file of sourcesUnder(join(STORE, dir))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const from = relative(STORE, file);
      if (!spec.startsWith('.')) {
        if (packages.includes(spec)) out.push(`${from} -> ${spec}`);
        continue;
      }
      const target = relative(STORE, resolve(dirname(file), spec));
      if (forbidden.some((folder) => target === folder || target.startsWith(`${folder}/`))) out.push(`${from} -> ${target}`);
    }
  }
  return out;
}

describe('store backends', () => {
  it('src/store/sqlite imports nothing of src/store/postgres (nor pg)', () => {
    expect(crossings('sqlite', ['postgres'], ['pg'])).toEqual([]);
  });

  it('src/store/postgres imports nothing of src/store/sqlite (nor better-sqlite3)', () => {
    expect(crossings('postgres', ['sqlite'], ['better-sqlite3'])).toEqual([]);
  });

  it('the shared domain rules import neither backend', () => {
    expect(crossings('domain', ['sqlite', 'postgres'], ['pg', 'better-sqlite3'])).toEqual([]);
  });

  it('finds an import when there is one (the check itself)', () => {
    expect(importsOf(`import { a } from '../sqlite/x.js';\nconst m = await import('../postgres/index.js');\nimport './side.js';`)).toEqual([
      '../sqlite/x.js',
      '../postgres/index.js',
      './side.js',
    ]);
  });
});
