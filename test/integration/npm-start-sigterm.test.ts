/**
 * `npm start` under a supervisor: SIGTERM goes to the process the supervisor
 * started, npm (docker `CMD ["npm", "start"]`, a process manager, `kill <pid>`).
 * README: "npm install && npm start"; docs/operations.md: "On SIGTERM or SIGINT
 * the server stops accepting connections, waits for every write in flight,
 * closes every socket with 1001, closes the stores and exits with code 0."
 *
 * npm forwards the signal to its child, `sh -c "<the start script>"`; dash
 * (Debian's sh) does not exec a lone command, so with `node dist/server.js`
 * the shell died of the signal and the server was orphaned: it kept running
 * and holding the port, and never shut down. The script says `exec`.
 * Runs `npm start --ignore-scripts` (the same script, without the prestart build:
 * ensureBuilt() built dist/ already).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { ensureBuilt, freePort } from '../support/process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parlor-npm-sigterm-'));
let serverPid: number | undefined;

afterAll(() => {
  if (serverPid !== undefined) {
    try {
      process.kill(serverPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

it('SIGTERM to `npm start` shuts the server down gracefully and frees the port', async () => {
  await ensureBuilt();
  const port = await freePort();
  const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: join(dir, 'p.db'), PASSWORD_HASH_COST: '10', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  npm.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        // npm's own output
      }
    }
  });
  const deadline = Date.now() + 20_000;
  while (!lines.some((l) => typeof l.url === 'string') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const start = lines.find((l) => typeof l.url === 'string');
  expect(start, 'the server logged its start line').toBeDefined();
  serverPid = start!.pid as number;

  npm.kill('SIGTERM');
  const until = Date.now() + 8_000;
  while (Date.now() < until && (await listening(port))) await new Promise((r) => setTimeout(r, 100));

  expect(lines.some((l) => l.msg === 'signal received'), 'the server heard the signal').toBe(true);
  expect(await listening(port), 'the port is free 8 s after SIGTERM').toBe(false);
}, 40_000);
