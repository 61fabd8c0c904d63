/**
 * `npm start` with a bad environment: the process exits 1 with one log line
 * naming the variable, whichever variable it is, LOG_LEVEL included (the
 * logger's own level comes from the checked configuration).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startServerProcess, stopServerProcess } from '../support/process.js';

const serverJs = fileURLToPath(new URL('../../dist/server.js', import.meta.url));

/** Runs dist/server.js to its exit (it must not start). */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [serverJs], { env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('npm start with a bad environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-config-'));
  const base = { SQLITE_PATH: join(dir, 'chat.db'), SESSION_SECRET: 'startup-config-secret-0123456789abcdef' };
  beforeAll(ensureBuilt, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['LOG_LEVEL', 'loud'],
    ['PORT', 'eighty'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    // Not allowedOrigins.0 nor the RedisBroker's url option, after the database opened: the variable, before anything opens.
    ['ALLOWED_ORIGINS', 'not-an-origin'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    // A path that is no database number: once found only after SQLite was opened, naming the broker's url option.
    ['REDIS_URL', 'redis://127.0.0.1:1/abc'],
    // Over 2^31-1 ms: Node would ping every socket every millisecond.
    ['HEARTBEAT_INTERVAL_MS', '3000000000'],
  ])('%s=%s: exits 1 with one fatal line naming it, no stack trace', { timeout: 30_000 }, async (name, value) => {
    const { code, stdout, stderr } = await runToExit({ ...base, [name]: value });
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, msg: expect.stringContaining(`${name}:`) });
    expect(stderr).toBe('');
  });

  // README: "any bad value stops the start with the variable's name", a path SQLite cannot open included.
  it.each<[string, () => string]>([
    // better-sqlite3 says only "unable to open database file".
    ['a folder', () => {
      const p = join(dir, 'is-a-folder.db');
      mkdirSync(p, { recursive: true });
      return p;
    }],
    // The folder cannot be created.
    ['under a regular file', () => {
      const f = join(dir, 'plain-file');
      writeFileSync(f, 'x');
      return join(f, 'data', 'parlor.db');
    }],
    // mkdir answers ENOENT under /proc: Node 20's recursive mkdir retried that forever, at 100% CPU, silent.
    ['on a pseudo filesystem', () => '/proc/parlor-no-such-folder/data/parlor.db'],
    // A wrong path: "file is not a database".
    ['not a database', () => {
      const f = join(dir, 'notes.txt');
      writeFileSync(f, 'these are not the tables you are looking for\n'.repeat(200));
      return f;
    }],
  ])('SQLITE_PATH %s: exits 1 with one fatal line "SQLITE_PATH: cannot open <path>: <reason>"', { timeout: 30_000 }, async (_name, make) => {
    const path = make();
    const { code, stdout, stderr } = await runToExit({ ...base, SQLITE_PATH: path });
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, msg: expect.stringContaining(`SQLITE_PATH: cannot open ${path}: `) });
    expect(stderr).toBe('');
  });

  it('an empty LOG_LEVEL is the default (info), as for every other variable', { timeout: 30_000 }, async () => {
    const proc = await startServerProcess({ ...base, LOG_LEVEL: '' });
    expect(proc.logs.some((l) => l.level === 30 && typeof l.url === 'string')).toBe(true);
    await stopServerProcess(proc, 'SIGTERM');
  });
});
