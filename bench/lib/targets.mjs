// How the benchmark starts each server under test, each as its own process on
// loopback, and how it reads that process's memory.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, rssOf, spawnNode, stopChild, waitForHttpOk, waitForJsonLine } from './children.mjs';
import { makeTempFolder } from './temp-folders.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PARLOR_ENTRY = join(ROOT, 'dist', 'server.js');

export const TARGETS = {
  'ws-relay': { label: 'ws relay', script: join(ROOT, 'bench', 'servers', 'ws-relay.mjs') },
  socketio: { label: 'Socket.IO', script: join(ROOT, 'bench', 'servers', 'socketio-relay.mjs') },
  parlor: { label: 'Parlor', script: PARLOR_ENTRY },
};

/** Measure another build of Parlor (e.g. a snapshot of a commit) instead of this checkout's dist/server.js. */
export function setParlorEntry(path) {
  if (path) TARGETS.parlor.script = resolve(path);
}

/** Why Parlor cannot be benchmarked, or null when its dist/server.js is there. */
export function parlorMissingReason() {
  const entry = TARGETS.parlor.script;
  if (!existsSync(entry)) return `${entry} does not exist (the standalone server is not built: \`npm run build\`)`;
  return null;
}

/**
 * Starts one server. Parlor runs with the contract's env: a fresh SQLite file,
 * a random SESSION_SECRET, the auth limiter off, the frame rate limit far above
 * what the benchmark sends, and the cheapest password hash cost the server
 * accepts (registration is setup, not what is measured).
 */
export async function startTarget(target, { logFile, parlorEnv = {} } = {}) {
  const spec = TARGETS[target];
  if (target !== 'parlor') {
    const child = spawnNode(target, spec.script, [], { probe: true, role: 'server', env: { PORT: '0', HOST: '127.0.0.1' }, log: logFile });
    const line = await waitForJsonLine(child, (o) => o.event === 'listening');
    return handle(target, child, `http://127.0.0.1:${line.port}`, () => {});
  }
  const { path: dir, remove: removeDir } = makeTempFolder();
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    SQLITE_PATH: join(dir, 'parlor.db'),
    SESSION_SECRET: randomBytes(24).toString('hex'),
    AUTH_RATE_LIMIT: '0',
    WS_RATE_LIMIT: '10000000',
    WS_RATE_BURST: '10000000',
    // The idle scenario opens 50 connections per user at once; the relay and Socket.IO have no such budget either.
    WS_CONNECT_RATE: '10000000',
    WS_CONNECT_BURST: '10000000',
    PASSWORD_HASH_COST: '10',
    // The store and the broker are the run's choice (parlorEnv: scale-out's PostgreSQL + Redis), never the caller's
    // environment: a DATABASE_URL or REDIS_URL set there (a shell, a test) would turn the SQLite Parlor into one on
    // the shared services' default schema and prefix. An undefined value is left out of the child's environment.
    DATABASE_URL: undefined,
    DATABASE_SCHEMA: undefined,
    REDIS_URL: undefined,
    REDIS_PREFIX: undefined,
    ...parlorEnv,
  };
  // cwd: the package root of that build (dist/..), as `npm start` would run it
  // BENCH_PARLOR_NODE_ARGS: extra node flags for the Parlor server only, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'
  const nodeArgs = (process.env.BENCH_PARLOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawnNode('parlor', spec.script, [], { probe: true, role: 'server', nodeArgs, env, cwd: dirname(dirname(spec.script)), log: logFile });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttpOk(`${url}/healthz`, child, 30000);
  } catch (err) {
    await stopChild(child);
    removeDir();
    throw new Error(`${err.message}${logTail(logFile)}`);
  }
  return handle(target, child, url, removeDir, env);
}

/** The last lines of a server's log, to say why it did not start. */
function logTail(file, lines = 4) {
  if (!file) return '';
  try {
    const all = readFileSync(file, 'utf8').trim().split('\n');
    const firstError = all.findIndex((l) => /Error\b/.test(l));
    const tail = (firstError >= 0 ? all.slice(Math.max(0, firstError - 3), firstError + 1) : all.slice(-lines)).map((l) => l.slice(0, 300));
    return tail.length ? `; last lines of ${file}:\n    ${tail.join('\n    ')}` : '';
  } catch {
    return '';
  }
}

function handle(target, child, url, cleanup, env) {
  let probeId = 0;
  return {
    target,
    label: TARGETS[target].label,
    child,
    pid: child.pid,
    url,
    env,
    /** RSS from /proc/<pid>/status; heap from the preloaded probe after a forced full GC. */
    memory(timeoutMs = 10000) {
      const id = ++probeId;
      return new Promise((resolve) => {
        const timer = setTimeout(() => done({ heapUsed: NaN, heapTotal: NaN }), timeoutMs);
        const onMsg = (m) => {
          if (m?.probe === 'memory' && m.id === id) done(m);
        };
        const done = (m) => {
          clearTimeout(timer);
          child.off('message', onMsg);
          let rss = NaN;
          try {
            rss = rssOf(child.pid);
          } catch {
            // process gone
          }
          resolve({ rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
        };
        child.on('message', onMsg);
        try {
          child.send({ probe: 'memory', id });
        } catch {
          done({ heapUsed: NaN, heapTotal: NaN }); // the server is gone
        }
      });
    },
    async stop() {
      await stopChild(child, 5000);
      cleanup();
    },
  };
}
