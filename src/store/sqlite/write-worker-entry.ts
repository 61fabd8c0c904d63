/**
 * Where the write worker's code is. Built (`dist/`), it is the compiled
 * write-worker.js next to this module. Run from the TypeScript sources (the
 * test suite under vitest), a worker thread cannot load `.ts`, so the worker
 * and what it imports are bundled once per process with esbuild (a dev
 * dependency, present wherever the sources are run) into node_modules/.cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let bundled: URL | null = null;

export function writeWorkerUrl(): URL {
  return (bundled ??= resolveWriteWorker(new URL('.', import.meta.url)));
}

/** The worker module in `dir`: compiled `write-worker.js`, else `write-worker.ts` bundled, else a clear error. */
export function resolveWriteWorker(dir: URL): URL {
  const compiled = new URL('write-worker.js', dir);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  const source = new URL('write-worker.ts', dir);
  if (existsSync(fileURLToPath(source))) return bundleFromSources(fileURLToPath(source));
  throw new Error(
    `the SQLite write worker module is missing (looked for write-worker.js in ${fileURLToPath(dir)}); ` +
      `if Parlor was bundled into one file, pass writer: 'inline' to openSqliteStores`,
  );
}

function bundleFromSources(entry: string): URL {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof import('esbuild');
  const root = join(dirname(entry), '..', '..', '..');
  // Per checkout: two checkouts sharing one node_modules (a linked worktree) must not run each other's worker.
  const outDir = join(root, 'node_modules', '.cache', 'parlor', createHash('sha256').update(root).digest('hex').slice(0, 12));
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'write-worker.mjs');
  // Several test processes may bundle at once: each writes its own file, then renames it into place.
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  esbuild.buildSync({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  renameSync(tmp, out);
  return pathToFileURL(out);
}
