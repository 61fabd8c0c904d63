/**
 * Ctrl-C during `node bench/run.mjs --scale-out` still drops its PostgreSQL
 * schema (`parlor_bench_<pid>_<hex>`) and its Redis keys (`parlor-bench-<hex>:*`)
 * on the shared services (docs/benchmarks.md, "Scale-out mode"): the signal
 * handler runs the registered clean-ups before it exits. Whatever the run
 * leaves is removed afterwards all the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { benchCopy, killGroup, runBench, until, type BenchCopy, type BenchRun } from '../support/bench-copy.js';
import { ensureBuilt } from '../support/process.js';
import { DATABASE_URL, deleteRedisKeys, describeWithService, probePostgres, probeRedis, REDIS_URL } from '../support/services.js';

const [pgStatus, redisStatus] = await Promise.all([probePostgres(), probeRedis()]);
const services = pgStatus.ok ? redisStatus : pgStatus;

async function schemasOf(pid: number): Promise<string[]> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    const r = await c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`parlor\\_bench\\_${pid}\\_%`]);
    return r.rows.map((x) => x.nspname);
  } finally {
    await c.end();
  }
}

async function keyCount(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let n = 0;
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      n += batch.length;
      cursor = next;
    } while (cursor !== '0');
    return n;
  } finally {
    redis.disconnect();
  }
}

describeWithService('bench --scale-out on Ctrl-C (PostgreSQL + Redis)', services, () => {
  let copy: BenchCopy | undefined;
  let run: BenchRun | undefined;

  /** The Redis prefixes the Parlor servers were given, from their logs (REDIS_PREFIX appears there). */
  function prefixesInLogs(): string[] {
    if (!copy) return [];
    const dir = join(copy.dir, 'bench', 'results');
    const found = new Set<string>();
    try {
      for (const f of readdirSync(dir)) for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/parlor-bench-[0-9a-f]{8}/g)) found.add(m[0]);
    } catch {
      // no logs
    }
    return [...found];
  }

  beforeAll(async () => {
    await ensureBuilt();
    copy = benchCopy({ withDist: true });
  }, 120_000);
  afterAll(async () => {
    killGroup(run);
    if (run?.child.pid) {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      for (const s of await schemasOf(run.child.pid)) if (/^parlor_bench_\d+_[0-9a-f]+$/.test(s)) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await c.end();
    }
    for (const p of prefixesInLogs()) await deleteRedisKeys(REDIS_URL, p);
    copy?.remove();
  }, 20_000);

  it('drops its schema and Redis keys when interrupted (SIGINT to the process group)', async () => {
    run = runBench(copy!.dir, ['--scale-out', '--pg-delay-ms', '0', '--instances', '1', '--runs', '1', '--warmup-ms', '100', '--duration-ms', '5000', '--pairs', '2'], { ...process.env, DATABASE_URL, REDIS_URL });
    const pid = run.child.pid!;
    // both configurations set up, the first measured run under way
    expect(await until(() => /run 1\/1:/.test(run!.output()), 15_000), run.output()).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await schemasOf(pid)).toHaveLength(1);
    const prefixes = prefixesInLogs();
    expect(prefixes.length).toBeGreaterThan(0);
    expect((await Promise.all(prefixes.map(keyCount))).reduce((a, b) => a + b)).toBeGreaterThan(0);
    process.kill(-pid, 'SIGINT'); // what Ctrl-C in a terminal does
    expect(await run.exited).toBe(130);

    expect(await schemasOf(pid)).toEqual([]);
    for (const p of prefixes) expect(await keyCount(p), p).toBe(0);
  }, 25_000);
});
