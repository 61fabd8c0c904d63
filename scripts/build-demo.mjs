#!/usr/bin/env node
/**
 * Builds the demo chat page that `npm start` serves at `/`: bundles
 * demo/main.ts (with the client SDK from src/client) into dist/public/app.js
 * and copies index.html and style.css next to it. Run after `tsc` by
 * `npm run build`; nothing is fetched from a CDN at run time. No source map:
 * the server would publish it with the page (`node scripts/build-demo.mjs DIR`
 * builds into DIR instead, for tests).
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const demo = join(root, 'demo');
const out = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist', 'public');

const started = Date.now();
await mkdir(out, { recursive: true });
// A map left by an older build would still be published next to the page.
await rm(join(out, 'app.js.map'), { force: true });
await build({
  entryPoints: [join(demo, 'main.ts')],
  outfile: join(out, 'app.js'),
  tsconfig: join(demo, 'tsconfig.json'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers of the last few years; WebSocket, fetch and modules are everywhere there.
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all(['index.html', 'style.css'].map((file) => copyFile(join(demo, file), join(out, file))));
console.log(`demo page built in ${Date.now() - started} ms: ${out}`);
