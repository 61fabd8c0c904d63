// Options of the scale-out mode (bench/scale-out.mjs): defaults in one place,
// overridden by flags or BENCH_* env, like bench/lib/options.mjs.

import { WINDOW_FLAGS, applyFlags } from './options.mjs';

const DEFAULTS = {
  runs: 3,
  warmupMs: 1000,
  durationMs: 5000,
  pairs: 50,
  window: 4,
  contentBytes: 100,
  delays: [0, 1], // ms added each way between Parlor and PostgreSQL (0: no proxy, loopback)
  instances: [1, 2], // Parlor processes sharing PostgreSQL and Redis
  parlorEntry: null, // the build measured; default dist/server.js of this checkout
  beforeEntry: null, // another build (e.g. a snapshot of main) measured on PostgreSQL in the same run, as "before"
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: 'redis://127.0.0.1:6379',
};

const list = (s) => String(s).split(',').filter(Boolean).map(Number);
const FLAGS = {
  ...WINDOW_FLAGS,
  '--pg-delay-ms': ['delays', list],
  '--instances': ['instances', list],
  '--parlor-entry': ['parlorEntry', String],
  '--before-entry': ['beforeEntry', String],
};

const USAGE = `usage: npm run bench -- --scale-out [--runs N] [--duration-ms MS] [--warmup-ms MS]
  [--pairs N] [--window N] [--content-bytes N] [--pg-delay-ms 0,1] [--instances 1,2]
  [--parlor-entry PATH/dist/server.js] [--before-entry PATH/dist/server.js]
PostgreSQL and Redis from DATABASE_URL and REDIS_URL (default: the local test services);
each configuration works in a fresh schema and key prefix, removed afterwards.
Every flag also reads from the environment: --pg-delay-ms <-> BENCH_PG_DELAY_MS.`;

export function parseScaleOutOptions(argv = process.argv.slice(2), env = process.env) {
  const o = { ...DEFAULTS, databaseUrl: env.DATABASE_URL || DEFAULTS.databaseUrl, redisUrl: env.REDIS_URL || DEFAULTS.redisUrl };
  applyFlags(o, { flags: FLAGS, usage: USAGE, switches: ['--scale-out'] }, argv, env);
  for (const key of ['runs', 'durationMs', 'pairs', 'window', 'contentBytes']) {
    if (!Number.isInteger(o[key]) || o[key] <= 0) throw new Error(`option ${key} must be a positive integer, got ${o[key]}`);
  }
  if (!Number.isInteger(o.warmupMs) || o.warmupMs < 0) throw new Error('option warmupMs must be >= 0');
  for (const d of o.delays) if (!Number.isFinite(d) || d < 0 || d > 1000) throw new Error(`bad delay ${d} (0-1000 ms)`);
  for (const n of o.instances) if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`bad instance count ${n} (1-8)`);
  return o;
}
