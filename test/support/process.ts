/**
 * Running Parlor as a real process (`node dist/server.js`, what `npm start`
 * runs), for tests of signals, crashes and several instances.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const serverJs = join(root, 'dist', 'server.js');
const demoJs = join(root, 'dist', 'public', 'app.js');
const buildDemoJs = join(root, 'scripts', 'build-demo.mjs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/server.js is newer than every file of src/ (what `tsc -p tsconfig.build.json` compiles). */
function serverBuilt(): boolean {
  try {
    return statSync(serverJs).mtimeMs >= newestMtime(join(root, 'src'));
  } catch {
    return false;
  }
}

/** dist/public/app.js (the demo page, bundled with the client SDK) is newer than demo/, src/ and its build script. */
function demoBuilt(): boolean {
  try {
    const sources = Math.max(newestMtime(join(root, 'demo')), newestMtime(join(root, 'src')), statSync(buildDemoJs).mtimeMs);
    return statSync(demoJs).mtimeMs >= sources;
  } catch {
    return false;
  }
}

function isBuilt(): boolean {
  return serverBuilt() && demoBuilt();
}

/** Runs `npm run build`'s steps that are out of date (tsc, then the demo page); a lock folder keeps parallel workers from building twice. */
export async function ensureBuilt(): Promise<void> {
  const lock = join(root, '.build-lock');
  for (;;) {
    if (isBuilt()) return;
    try {
      mkdirSync(lock);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      try {
        if (!serverBuilt()) execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'pipe' });
      } catch (err) {
        // tsc exits non-zero on type errors but still emits; the server may well run.
        if (!serverBuilt()) throw err;
      }
      if (!demoBuilt()) execFileSync(process.execPath, [buildDemoJs], { stdio: 'pipe' });
    } finally {
      rmdirSync(lock);
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node dist/server.js` with `env` and resolves once it logs its URL.
 * `via: 'npm start'` runs the package's start script instead (without its
 * prestart build: this built dist/ already), as a supervisor would; `child`
 * is then npm, not the server.
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
  via: 'node' | 'npm start' = 'node',
): Promise<ServerProcess> {
  await ensureBuilt();
  const port = Number(env.PORT ?? (await freePort()));
  const [command, args] = via === 'node' ? [process.execPath, [serverJs]] : ['npm', ['start', '--ignore-scripts', '--silent']];
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PASSWORD_HASH_COST: '10', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const entry = JSON.parse(line);
          logs.push(entry);
          if (typeof entry.url === 'string') {
            clearTimeout(timer);
            resolve();
          }
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it started; stderr: ${stderr}`));
    });
  });
  await ready;
  return { child, port, url: `http://127.0.0.1:${port}`, logs, exited };
}

/** Kills a server process (SIGKILL unless told otherwise) and waits for it to exit. */
export async function stopServerProcess(p: ServerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}
