/**
 * `npm start` under a supervisor: SIGTERM goes to the process the supervisor
 * started, npm (docker `CMD ["npm", "start"]`, a process manager, `kill <pid>`).
 * README: "npm install && npm start"; docs/operations.md: "On SIGTERM or SIGINT
 * the server stops accepting connections, ... closes the stores and exits with
 * code 0."
 *
 * npm forwards the signal to its child, `sh -c "<the start script>"`; dash
 * (Debian's sh) does not exec a lone command, so with `node dist/server.js`
 * the shell died of the signal and the server was orphaned: it kept running
 * and holding the port, and never shut down. The script says `exec`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startServerProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-npm-sigterm-'));
let serverPid: number | undefined;

afterAll(() => {
  // An orphaned server (the bug) would outlive the test run.
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
  const server = await startServerProcess({ SQLITE_PATH: join(dir, 'p.db') }, 30_000, 'npm start');
  serverPid = server.logs.find((l) => typeof l.url === 'string')!.pid as number;

  server.child.kill('SIGTERM'); // npm, not the server
  const until = Date.now() + 8_000;
  while (Date.now() < until && (await listening(server.port))) await new Promise((r) => setTimeout(r, 100));

  // The port is freed by the shutdown's first step; its log lines cross npm's pipe a moment later (under load, later still).
  const heard = () => server.logs.some((l) => l.msg === 'signal received');
  const logged = Date.now() + 5_000;
  while (Date.now() < logged && !heard()) await new Promise((r) => setTimeout(r, 50));
  expect(heard(), 'the server heard the signal').toBe(true);
  expect(await listening(server.port), 'the port is free 8 s after SIGTERM').toBe(false);
}, 40_000);
