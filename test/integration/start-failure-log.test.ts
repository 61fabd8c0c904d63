/**
 * `npm start` that fails past its configuration: the "Parlor failed to start"
 * line logs the error through withLoggableErrors, like every other line
 * (src/loggable-error.ts): its type, message, stack and code, none of the
 * fields a library put on it (an ioredis command's arguments, a driver's
 * connection details). What used to happen: src/server.ts logged it with the
 * raw logger, every enumerable field included.
 *
 * The failure: PostgreSQL refusing the connection (nothing listens on port 1),
 * whose error carries `address` and `port` besides its code.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/process.js';

const serverJs = fileURLToPath(new URL('../../dist/server.js', import.meta.url));

describe('npm start that fails after its configuration was read', () => {
  beforeAll(ensureBuilt, 120_000);

  it('logs "Parlor failed to start" with the error as loggableError keeps it, exit 1', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [serverJs], {
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: 'postgres://parlor:hunter2-secret@127.0.0.1:1/parlor' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    expect(code).toBe(1);
    const fatal = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>)
      .find((l) => l.level === 60)!;
    expect(fatal).toMatchObject({ msg: 'Parlor failed to start', err: { message: expect.any(String) } });
    expect(JSON.stringify(fatal.err)).toMatch(/ECONNREFUSED/);
    // Codes, never values: the library's other fields are not in the line.
    expect(Object.keys(fatal.err).filter((k) => !['type', 'name', 'message', 'stack', 'code', 'errno', 'syscall', 'commandName', 'cause', 'errors', 'aggregateErrors'].includes(k))).toEqual([]);
    expect(stdout).not.toContain('hunter2-secret');
  });
});
