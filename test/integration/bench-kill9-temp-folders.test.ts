/**
 * A `kill -9` of `bench/run.mjs` skips its exit hooks, so a Parlor server's
 * temp folder (`parlor-bench-<pid>-*`) stays; the next run removes it at start
 * (docs/benchmarks.md, "How it runs"). TMPDIR points the bench's temp folders
 * into the copy's own tmp/.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { benchCopy, killGroup, runBench, until, type BenchRun } from '../support/bench-copy.js';
import { ensureBuilt } from '../support/process.js';

const copy = benchCopy({ withDist: true });
const runs: BenchRun[] = [];
beforeAll(ensureBuilt, 120_000);
afterAll(() => {
  for (const r of runs) killGroup(r);
  copy.remove();
});

it('the next run removes the temp folder a kill -9 of run.mjs left', async () => {
  const env = { ...process.env, TMPDIR: copy.tmp };
  const killed = runBench(copy.dir, ['--only', 'parlor', '--skip', 'halfload,group,idle,reads', '--runs', '1', '--warmup-ms', '100', '--duration-ms', '4000', '--pairs', '2'], env);
  runs.push(killed);
  expect(await until(() => /private: run 1\/1/.test(killed.output()), 15_000), killed.output()).toBe(true);
  process.kill(killed.child.pid!, 'SIGKILL');
  await killed.exited;
  expect(readdirSync(copy.tmp)).toEqual([expect.stringMatching(new RegExp(`^parlor-bench-${killed.child.pid}-`))]);
  // the server and the load process exit on the IPC disconnect; the next run (references only) sweeps
  const next = runBench(copy.dir, ['--only', 'ws-relay', '--skip', 'halfload,group,idle,reads', '--runs', '1', '--warmup-ms', '50', '--duration-ms', '200', '--pairs', '1'], env);
  runs.push(next);
  expect(await next.exited, next.output().slice(-600)).toBe(0);
  expect(readdirSync(copy.tmp)).toEqual([]);
}, 25_000);
