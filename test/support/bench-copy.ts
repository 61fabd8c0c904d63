/**
 * Short runs of the benchmark harness (bench/) for its tests: a throwaway
 * copy of bench/ (plus package.json and a node_modules link, optionally a
 * dist link) in a temp folder, so a run writes its results and logs there,
 * never into the shared bench/results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchCopy {
  dir: string;
  /** A folder inside the copy for TMPDIR, so the bench's temp folders can be watched. */
  tmp: string;
  remove: () => void;
}

export function benchCopy({ withDist }: { withDist: boolean }): BenchCopy {
  const dir = mkdtempSync(join(tmpdir(), 'bench-copy-'));
  cpSync(join(ROOT, 'bench'), join(dir, 'bench'), { recursive: true, filter: (src) => !src.startsWith(join(ROOT, 'bench', 'results')) });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  if (withDist) symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  return { dir, tmp, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BenchRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node bench/run.mjs ...args` in `dir`, in a process group of its own (so a signal can reach it as Ctrl-C would). */
export function runBench(dir: string, args: string[], env: NodeJS.ProcessEnv = process.env): BenchRun {
  const child = spawn(process.execPath, ['bench/run.mjs', ...args], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Kills what is left of a run's process group (after a test failed half-way). */
export function killGroup(run: BenchRun | undefined): void {
  if (!run?.child.pid) return;
  try {
    process.kill(-run.child.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

export async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}
