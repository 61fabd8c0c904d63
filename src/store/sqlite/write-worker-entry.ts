/**
 * Where the write worker's code is: the compiled write-worker.js next to this
 * module (`dist/`, as built and shipped). A worker thread cannot load the
 * TypeScript sources, so whoever runs them (the test suite under vitest)
 * registers a bundler for them with `bundleWriteWorkerSourcesWith`
 * (test/support/write-worker-bundle.ts, with esbuild). Shipped code never
 * loads a build tool.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Turns the worker's `.ts` entry into a module a worker thread can load; returns its URL. */
export type WriteWorkerBundler = (entry: string) => URL;

let sourceBundler: WriteWorkerBundler | undefined;
let resolved: URL | null = null;

export function writeWorkerUrl(): URL {
  return (resolved ??= resolveWriteWorker(new URL('.', import.meta.url)));
}

/** For running the TypeScript sources: how their worker entry is bundled. */
export function bundleWriteWorkerSourcesWith(bundler: WriteWorkerBundler): void {
  sourceBundler = bundler;
}

/** The worker module in `dir`: compiled `write-worker.js`, else `write-worker.ts` bundled by the registered bundler, else a clear error. */
export function resolveWriteWorker(dir: URL): URL {
  const compiled = new URL('write-worker.js', dir);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  const source = new URL('write-worker.ts', dir);
  if (sourceBundler && existsSync(fileURLToPath(source))) return sourceBundler(fileURLToPath(source));
  throw new Error(
    `the SQLite write worker module is missing (looked for write-worker.js in ${fileURLToPath(dir)}); ` +
      `if Parlor was bundled into one file, pass writer: 'inline' to openSqliteStores`,
  );
}
