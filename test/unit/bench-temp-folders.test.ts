/**
 * The bench's temp folders carry their process's pid, and a start removes the
 * ones whose process is gone (left by a `kill -9`), never a live process's
 * (bench/lib/temp-folders.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

type Sweep = (dir?: string) => string[];
const { sweepStaleTempFolders } = (await import(new URL('../../bench/lib/temp-folders.mjs', import.meta.url).href)) as { sweepStaleTempFolders: Sweep };

const dir = mkdtempSync(join(tmpdir(), 'bench-temp-folders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

it('removes the folders of dead processes and keeps those of live ones and anything else', () => {
  const dead = deadPid();
  const stale = [`parlor-bench-${dead}-abc123`, `parlor-bench-reads-${dead}-x1y2z3`];
  const kept = [`parlor-bench-${process.pid}-abc123`, `parlor-bench-reads-${process.ppid}-abc123`, 'parlor-bench-abc123', 'parlor-bench-recheck-123456', 'other-folder'];
  for (const name of [...stale, ...kept]) mkdirSync(join(dir, name, 'inside'), { recursive: true });
  expect(sweepStaleTempFolders(dir).sort()).toEqual([...stale].sort());
  expect(readdirSync(dir).sort()).toEqual([...kept].sort());
  for (const name of stale) expect(existsSync(join(dir, name))).toBe(false);
});

it('a missing temp dir is not an error', () => {
  expect(sweepStaleTempFolders(join(dir, 'nope'))).toEqual([]);
});
