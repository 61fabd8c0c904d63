/**
 * Without a built dist/, `node bench/run.mjs` leaves the Parlor column empty
 * with a reason and still measures the references (docs/benchmarks.md,
 * "Running it"). A short run of a copy of bench/ that has no dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { benchCopy, killGroup, runBench, type BenchRun } from '../support/bench-copy.js';

const copy = benchCopy({ withDist: false });
let run: BenchRun | undefined;
afterAll(() => {
  killGroup(run);
  copy.remove();
});

it('measures the ws relay when dist/ is absent (Parlor skipped with a reason)', async () => {
  const out = join(copy.dir, 'run.json');
  run = runBench(copy.dir, ['--only', 'ws-relay,parlor', '--skip', 'halfload,group,idle,reads', '--runs', '1', '--warmup-ms', '100', '--duration-ms', '500', '--pairs', '2', '--out', out]);
  const code = await run.exited;
  expect(existsSync(out), run.output().slice(-600)).toBe(true);
  const results = JSON.parse(readFileSync(out, 'utf8'));
  expect(results.missing.parlor).toMatch(/does not exist/);
  expect(results.error, run.output().slice(-600)).toBeUndefined();
  expect(results.private?.median?.['ws-relay']?.msgs_per_s).toBeGreaterThan(0);
  expect(code).toBe(0);
}, 20_000);
