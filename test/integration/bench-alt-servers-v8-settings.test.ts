/**
 * The policy and host-interfaces modes compare `node dist/server.js` with
 * bench/servers/parlor-allow-all.mjs and parlor-host-interfaces.mjs, which run
 * Parlor "exactly as node dist/server.js runs it" plus one hook: so they must
 * set the same V8 flags (dist/v8-settings.js, allocation-site pretenuring off),
 * or the ratio mixes a V8 setting into the hook's cost. Each server runs with a
 * preload that records every v8.setFlagsFromString call until its first log line.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../support/bench-copy.js';
import { ensureBuilt } from '../support/process.js';
import { closeAll, tempDir } from '../support/server.js';

afterAll(closeAll);
beforeAll(ensureBuilt, 120_000);

const RECORD_FLAGS = `import v8 from 'node:v8';
import { syncBuiltinESMExports } from 'node:module';
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { process.stderr.write('v8-flags: ' + flags + '\\n'); return set(flags); };
syncBuiltinESMExports();
`;

/** The V8 flags `script` sets before it logs its first line (its modules are loaded by then). */
async function v8FlagsOf(script: string): Promise<string[]> {
  const dir = tempDir();
  const preload = join(dir, 'record-flags.mjs');
  writeFileSync(preload, RECORD_FLAGS);
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', SQLITE_PATH: join(dir, 'parlor.db'), SESSION_SECRET: 'a'.repeat(48), LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, ['--import', preload, join(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([new Promise((r) => child.stdout.once('data', r)), exited, new Promise((r) => setTimeout(r, 10_000))]);
  child.kill('SIGKILL');
  await exited;
  return [...err.matchAll(/^v8-flags: (.*)$/gm)].map((m) => m[1]!);
}

it('dist/server.js (the baseline of both modes) turns allocation-site pretenuring off', async () => {
  expect(await v8FlagsOf('dist/server.js')).toContain('--no-allocation-site-pretenuring');
});

it.each(['bench/servers/parlor-allow-all.mjs', 'bench/servers/parlor-host-interfaces.mjs'])('%s sets the same V8 flags as dist/server.js', async (script) => {
  expect(await v8FlagsOf(script)).toEqual(await v8FlagsOf('dist/server.js'));
});
