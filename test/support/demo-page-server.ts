/**
 * The demo page built from the current demo/ and src/client into a temporary
 * folder (scripts/build-demo.mjs DIR) and served at `/` by a test server run
 * from the sources (startTestServer's publicDir): nothing in dist/ is built
 * or read.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, tempDir, type TestServer } from './server.js';

const buildScript = fileURLToPath(new URL('../../scripts/build-demo.mjs', import.meta.url));

/** Bundle the demo page into a new temporary folder; returns the folder. */
export async function buildDemoPage(): Promise<string> {
  const publicDir = tempDir();
  await promisify(execFile)(process.execPath, [buildScript, publicDir]);
  return publicDir;
}

/** The demo page, freshly bundled, served at `/` by a test server (closed by closeAll). */
export async function startDemoPageServer(env: Record<string, string> = {}): Promise<TestServer & { publicDir: string }> {
  const publicDir = await buildDemoPage();
  const server = await startTestServer(env, { publicDir });
  return Object.assign(server, { publicDir });
}
