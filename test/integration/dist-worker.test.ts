/**
 * Issue 18: shipped code loads no build tool. The built package (dist/) runs
 * the compiled SQLite write worker; esbuild, a dev dependency, is only for
 * running the TypeScript sources (test/support/write-worker-bundle.ts).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/process.js';
import { closeAll, tempDir } from '../support/server.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');

afterAll(closeAll);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('dist/: the SQLite write worker without esbuild', { timeout: 120_000 }, () => {
  beforeAll(ensureBuilt, 120_000);

  it('no built module names the esbuild package (an import, a require, any string that could load it)', () => {
    const loadsEsbuild = /['"`]esbuild(?:\/[^'"`]*)?['"`]/;
    // src/ is in the package too (package.json "files").
    const modules = [...filesUnder(DIST), ...filesUnder(join(ROOT, 'src'))].filter((f) => /\.(js|ts)$/.test(f));
    expect(modules.length).toBeGreaterThan(100);
    const loading = modules.filter((f) => loadsEsbuild.test(readFileSync(f, 'utf8')));
    expect(loading).toEqual([]);
  });

  it('a dist import stores through the worker thread where esbuild cannot be found', async () => {
    const dir = tempDir();
    cpSync(DIST, join(dir, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'db'), join(dir, 'db'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    // Every dependency but esbuild (and the test run's bundle cache).
    mkdirSync(join(dir, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (!['esbuild', '.cache', '.bin'].includes(name)) symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
    }
    writeFileSync(
      join(dir, 'main.js'),
      `import { createRequire } from 'node:module';
import { openSqliteStores } from './dist/index.js';
let esbuild = true;
try { createRequire(import.meta.url).resolve('esbuild'); } catch { esbuild = false; }
const stores = openSqliteStores({ path: './chat.db' });
const alice = await stores.users.createUser('alice', 'hash');
const saved = await stores.messages.savePrivate({ from: alice.id, to: alice.id, content: 'through the worker' });
console.log(JSON.stringify({ esbuild, writer: stores.writer.kind, committed: stores.writer.stats.committed, content: saved.message.content }));
await stores.close();
`,
    );
    const { stdout } = await run(process.execPath, ['main.js'], { cwd: dir });
    expect(JSON.parse(stdout)).toMatchObject({ esbuild: false, writer: 'worker', content: 'through the worker' });
    expect(JSON.parse(stdout).committed).toBeGreaterThan(0);
  });
});
