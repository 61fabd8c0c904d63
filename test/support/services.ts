/**
 * Tests against real services (Redis, PostgreSQL). Each probe connects once
 * per test file; when the service is unreachable the suite is skipped with a
 * printed reason, unless REQUIRE_SERVICES=1, in which case it fails.
 *
 *   await describeWithRedis('redis broker', (url) => { it(...) });
 *   await describeWithPostgres('pg store', (url) => { it(...) });
 *
 * (Top-level await: the probe must answer before vitest collects the suite.)
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, it } from 'vitest';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** REQUIRE_SERVICES=1: a missing service fails the run instead of skipping. */
export const servicesRequired = process.env.REQUIRE_SERVICES === '1';

export type ServiceStatus = { ok: true; url: string } | { ok: false; url: string; reason: string };

const PROBE_TIMEOUT_MS = 2000;

/** Strips credentials for messages. */
function safe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '<unparseable url>';
  }
}

/** PING with one short attempt, no retries. */
export async function probeRedis(url = REDIS_URL): Promise<ServiceStatus> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause: Error | undefined; // connect() only says "Connection is closed"; the 'error' event says why
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
    return { ok: true, url };
  } catch (err) {
    const why = (cause ?? (err as Error)).message;
    return { ok: false, url, reason: `Redis at ${safe(url)} unreachable (${why}); set REDIS_URL or start redis-server` };
  } finally {
    client.disconnect();
  }
}

/** SELECT 1 with one short attempt. */
export async function probePostgres(url = DATABASE_URL): Promise<ServiceStatus> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, url };
  } catch (err) {
    return { ok: false, url, reason: `PostgreSQL at ${safe(url)} unreachable (${(err as Error).message}); set DATABASE_URL or start PostgreSQL` };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A describe block that runs only when the service answered. Skipped: the
 * reason is printed and the tests show as skipped. Required and missing: one
 * failing test carries the reason.
 */
export function describeWithService(name: string, status: ServiceStatus, body: (url: string) => void): void {
  if (status.ok) {
    describe(name, () => body(status.url));
    return;
  }
  if (servicesRequired) {
    describe(name, () => {
      it('needs its service (REQUIRE_SERVICES=1)', () => {
        throw new Error(`${status.reason}. REQUIRE_SERVICES=1 forbids skipping.`);
      });
    });
    return;
  }
  console.warn(`[skip] ${name}: ${status.reason}. (REQUIRE_SERVICES=1 makes this a failure.)`);
  describe.skip(name, () => body(status.url));
}

export async function describeWithRedis(name: string, body: (url: string) => void, url = REDIS_URL): Promise<void> {
  describeWithService(name, await probeRedis(url), body);
}

export async function describeWithPostgres(name: string, body: (url: string) => void, url = DATABASE_URL): Promise<void> {
  describeWithService(name, await probePostgres(url), body);
}

/** Throws when Redis is unreachable (for a `beforeAll` in a suite that must not be skipped). */
export async function requireRedis(url = REDIS_URL): Promise<string> {
  const status = await probeRedis(url);
  if (!status.ok) throw new Error(status.reason);
  return url;
}

export async function requirePostgres(url = DATABASE_URL): Promise<string> {
  const status = await probePostgres(url);
  if (!status.ok) throw new Error(status.reason);
  return url;
}

/** Deletes every key under `prefix:` (SCAN + UNLINK; never FLUSHDB on a shared server). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

// ---- a private redis-server, for outage drills --------------------------------

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: connections drop with no goodbye, as in a crash. */
  kill(): Promise<void>;
  /** Starts again on the same port, empty (no persistence). */
  restart(): Promise<void>;
  /** Kills it if running; safe to call twice (afterAll). */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `redis-server` can be started here; undefined when it can, else the reason. */
export async function redisServerMissing(): Promise<string | undefined> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `redis-server is not on PATH (${r.error?.message ?? r.stderr})` : undefined;
}

/** Starts `redis-server` as a child process on a spare port: no persistence, not daemonized. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: import('node:child_process').ChildProcess | undefined;

  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: 'ignore',
    });
    child = proc;
    const deadline = Date.now() + 5000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${proc.exitCode}`);
      if ((await probeRedis(url)).ok) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 5 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return { port, url, kill, restart: start, stop: kill };
}

/** A suite that needs both PostgreSQL and Redis: skipped naming what is missing (a failure with REQUIRE_SERVICES=1). */
export async function describeWithPostgresAndRedis(name: string, body: (urls: { databaseUrl: string; redisUrl: string }) => void): Promise<void> {
  const [pg, redis] = await Promise.all([probePostgres(), probeRedis()]);
  const reasons = [pg, redis].map((s) => ('reason' in s ? s.reason : '')).filter(Boolean);
  const status: ServiceStatus = pg.ok && redis.ok ? pg : { ok: false, url: pg.url, reason: reasons.join(' ') };
  describeWithService(name, status, (databaseUrl) => body({ databaseUrl, redisUrl: redis.url }));
}
