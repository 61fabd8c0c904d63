// Two Parlor servers up at once (the built-in entry and one alternative,
// e.g. a server with a messagePolicy or with host interfaces), one load
// process, and the runs rotated between them, so their ratio is taken in one
// run on one machine state. Used by the --policy and --host-interfaces modes;
// each brings its own set-up (users, groups) and measurement of one run.

import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanup, stopAll } from './children.mjs';
import { startLoad } from './load-process.mjs';
import { PARLOR_ENTRY, parlorMissingReason, setParlorEntry, startTarget } from './targets.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** `BENCH_<NAME>` from the environment as a number, or the fallback. */
export const envNumber = (name, fallback) => Number(process.env[`BENCH_${name}`] ?? fallback);

/** A log line prefixed with the mode and the seconds since it started. */
export function modeLogger(mode) {
  const t0 = performance.now();
  return (msg) => console.log(`[${mode} ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}

/**
 * Runs `runs` rounds; in each, every config once, starting one further along
 * each round. `configs`: `[{name, entry}]` (entry: a server script; the first
 * is usually PARLOR_ENTRY). `prepare(load, c)` after the server is up and the
 * load process knows it (`c.target`) returns that config's record;
 * `measure(load, c, run, record)` makes one run and adds it to the record.
 * Returns `{results, stamp}`: `results.configs[name]` is each record,
 * `results.error` the failure, if any.
 */
export async function runRotatedPair({ mode, configs, runs, options, prepare, measure }) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS_DIR, { recursive: true });
  installCleanup();
  setParlorEntry(PARLOR_ENTRY);
  const missing = parlorMissingReason();
  if (missing) throw new Error(missing);
  const results = { meta: { date: new Date().toISOString(), cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version }, options, configs: {} };
  const cleanups = [];
  try {
    const load = await startLoad(`load-${mode}`);
    cleanups.push(() => load.stop());
    for (const c of configs) {
      setParlorEntry(c.entry);
      const server = await startTarget('parlor', { logFile: join(RESULTS_DIR, `${stamp}-${mode}-${c.name.replace(/\W+/g, '-')}.log`) });
      cleanups.push(() => server.stop());
      c.server = server;
      c.target = c.name.replace(/\W+/g, '-');
      await load.call('init', { target: c.target, url: server.url, adapter: 'parlor' });
      results.configs[c.name] = await prepare(load, c);
    }
    for (let run = 0; run < runs; run++) {
      for (const c of configs.map((_, i) => configs[(i + run) % configs.length])) await measure(load, c, run, results.configs[c.name]);
    }
  } catch (err) {
    results.error = String(err?.stack ?? err);
    console.error(`\n${mode} benchmark failed: ${results.error}`);
    process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await stopAll();
  }
  return { results, stamp };
}
