/**
 * Running the TypeScript sources (this test suite), a worker thread cannot
 * load the SQLite write worker's `.ts`: it and what it imports are bundled
 * once per process with esbuild (a dev dependency) into node_modules/.cache.
 * Registered by setup.ts; the built package runs the compiled worker and
 * never loads esbuild.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWriteWorkerSourcesWith } from '../../src/store/sqlite/write-worker-entry.js';

function bundleWriteWorker(entry: string): URL {
  // Loaded on first use: most test files never open a worker.
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const root = join(dirname(entry), '..', '..', '..');
  // Per checkout: two checkouts sharing one node_modules (a linked worktree) must not run each other's worker.
  const outDir = join(root, 'node_modules', '.cache', 'parlor', createHash('sha256').update(root).digest('hex').slice(0, 12));
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'write-worker.mjs');
  // Several test processes may bundle at once: each writes its own file, then renames it into place.
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  buildSync({
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

bundleWriteWorkerSourcesWith(bundleWriteWorker);
