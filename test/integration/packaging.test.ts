/**
 * A library's packaging (contract section 4): the tarball `npm pack` makes,
 * installed alone into a fresh strict TypeScript project (module nodenext,
 * skipLibCheck false), type-checks an import of the public API, with
 * `parlor.router` an Express Router rather than `any`; it carries a LICENSE
 * and every file the README links to.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/server.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

describe('npm pack: what a host app installs', { timeout: 300_000 }, () => {
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    const out = tempDir();
    // `npm pack` runs `prepare` (the build) first, as publishing would; in a copy, so the
    // build never rewrites this checkout's dist/ under the feet of tests that run it.
    const copy = tempDir();
    const { files: published } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    for (const entry of [...published.filter((f) => f !== 'dist'), 'package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'scripts']) {
      cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: copy, maxBuffer: 64 << 20 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(out, packed!.filename);
    files = packed!.files.map((f) => f.path);
  }, 300_000);

  it('carries a LICENSE, the typings, and every file the README links to', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
    expect(links.length).toBeGreaterThan(10);
    const missing = links.filter((l) => {
      const path = l.replace(/^\.\//, '').replace(/\/$/, '');
      return !files.some((f) => f === path || f.startsWith(`${path}/`));
    });
    expect(missing).toEqual([]);
  });

  it('every relative link in a shipped markdown file names a file the package carries', () => {
    const broken: string[] = [];
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const path = posix.normalize(posix.join(posix.dirname(doc), target!)).replace(/\/$/, '');
        if (!files.some((f) => f === path || f.startsWith(`${path}/`))) broken.push(`${doc} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('type-checks `import { createParlor, expressSessionResolver } from "parlor"` in a strict nodenext project, router typed', async () => {
    const project = tempDir();
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'host-app', private: true, type: 'module', dependencies: { parlor: `file:${tarball}` } }),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: false, noEmit: true },
        include: ['src'],
      }),
    );
    mkdirSync(join(project, 'src'));
    writeFileSync(
      join(project, 'src/app.ts'),
      `import { createParlor, expressSessionResolver, openSqliteStores, ParlorOptionsError, type Parlor } from 'parlor';
import { ParlorClient } from 'parlor/client';
import type { RequestHandler, Router } from 'express';

declare const hostSession: RequestHandler;
const parlor: Parlor = createParlor({
  // Contract section 4's snippet as it is: the host's session fields need no declaration of its own.
  sessionResolver: expressSessionResolver(hostSession, (session) => session.userId),
  stores: openSqliteStores({ path: './data/chat.db' }),
  tokens: { secret: 'x'.repeat(32) },
});
// Fails to compile when the router is silently \`any\`.
type IsAny<T> = 0 extends 1 & T ? true : false;
const routerIsTyped: IsAny<typeof parlor.router> = false;
const router: Router = parlor.router;
const issued: Promise<{ token: string; expires_at: number }> = parlor.tokens.issue(1);
export { router, issued, routerIsTyped, ParlorOptionsError, ParlorClient };
`,
    );
    await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], {
      cwd: project,
      maxBuffer: 64 << 20,
    });
    const checked = await run(process.execPath, [TSC, '-p', project], { cwd: project }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(checked).toBe('');
  });

  it('depends on version ranges, not exact pins', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const pinned = Object.entries(pkg.dependencies).filter(([, v]) => /^\d/.test(v));
    expect(pinned).toEqual([]);
  });
});
