/**
 * Several real Parlor processes (`node dist/server.js`) sharing one
 * PostgreSQL schema and one Redis key prefix, as behind a load balancer; for
 * the scale-out tests. Each cluster gets a fresh schema and prefix, removed by
 * `stop()`.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, vi } from 'vitest';
import { dropSchema, freshSchema } from './postgres.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from './process.js';
import { targetOf, type HttpTarget } from './server.js';
import { deleteRedisKeys, describeWithService, probePostgres, probeRedis, redisServerMissing, type ServiceStatus } from './services.js';

/** Presence timing of the test clusters: the heartbeat is a third of the TTL. */
export const PRESENCE_TTL_MS = 1500;
export const PRESENCE_SWEEP_MS = 500;
export const HEARTBEAT_MS = Math.floor(PRESENCE_TTL_MS / 3);

export interface Instance extends HttpTarget {
  name: string;
  process: ServerProcess;
}

export interface Cluster {
  schema: string;
  prefix: string;
  instances: Instance[];
  /** A command connection to the cluster's Redis, for looking at channels and keys. */
  redis: Redis;
  /** How many instances are subscribed to the user's channel (PUBSUB NUMSUB). */
  subscribers(userId: number): Promise<number>;
  /** Waits until exactly `count` instances are subscribed to the user's channel. */
  waitForSubscribers(userId: number, count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Lines an instance logged with this `msg`. */
export function logged(instance: Instance, msg: string): Array<Record<string, unknown>> {
  return instance.process.logs.filter((l) => l.msg === msg);
}

/** Waits until the instance has logged `msg` at least `count` times. */
export async function waitForLog(instance: Instance, msg: string, count = 1, timeout = 10_000): Promise<void> {
  await vi.waitFor(() => expect(logged(instance, msg).length).toBeGreaterThanOrEqual(count), { timeout, interval: 25 });
}

/** One value from the instance's /metrics (no labels). */
export async function metric(instance: Instance, name: string): Promise<number | undefined> {
  const res = await instance.http.get('/metrics').expect(200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** `envOf(name)` adds to (or overrides) one instance's environment, e.g. a short SESSION_RECHECK_MS on one of them. */
export async function startCluster(options: {
  databaseUrl: string;
  redisUrl: string;
  names: string[];
  label: string;
  envOf?: (name: string) => Record<string, string>;
}): Promise<Cluster> {
  const schema = freshSchema(options.label);
  const prefix = `parlor-test-${options.label}-${randomUUID().slice(0, 8)}`;
  const env = {
    DATABASE_URL: options.databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
    PRESENCE_SWEEP_MS: String(PRESENCE_SWEEP_MS),
    SESSION_SECRET: `scale-out-secret-${randomUUID()}`,
    PASSWORD_HASH_COST: '10',
    AUTH_RATE_LIMIT: '0',
    LOG_LEVEL: 'info',
  };
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const instances: Instance[] = [];
  const channel = (userId: number) => `${prefix}:u:${userId}`;
  const subscribers = async (userId: number) => {
    const reply = (await redis.call('PUBSUB', 'NUMSUB', channel(userId))) as [string, number];
    return Number(reply[1]);
  };

  const cluster: Cluster = {
    schema,
    prefix,
    instances,
    redis,
    subscribers,
    async waitForSubscribers(userId, count) {
      await vi.waitFor(async () => expect(await subscribers(userId)).toBe(count), { timeout: 5000, interval: 20 });
    },
    async stop() {
      await Promise.all(instances.map((i) => stopServerProcess(i.process)));
      redis.disconnect();
      await deleteRedisKeys(options.redisUrl, prefix).catch(() => {}); // a private Redis may be gone already
      await dropSchema(options.databaseUrl, schema);
    },
  };
  try {
    // All at once, like a deploy: the migration lock lets one apply the schema while the others wait.
    const started = await Promise.all(options.names.map((name) => startServerProcess({ ...env, ...options.envOf?.(name) }).then((proc) => ({ name, proc }))));
    for (const { name, proc } of started) instances.push({ name, process: proc, ...targetOf(proc.url) });
    await Promise.all(instances.map((i) => waitForLog(i, 'redis: subscribed')));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/**
 * Runs the suite only when PostgreSQL is there, plus the shared Redis
 * (`redis`) and/or the redis-server binary (`redisServer`, for a private one);
 * else it is skipped with every reason printed (REQUIRE_SERVICES=1: fails).
 */
export async function describeWithServices(
  name: string,
  needs: { redis?: boolean; redisServer?: boolean },
  body: (urls: { databaseUrl: string; redisUrl: string }) => void,
): Promise<void> {
  const [pg, redis, missing] = await Promise.all([probePostgres(), needs.redis ? probeRedis() : undefined, needs.redisServer ? redisServerMissing() : undefined]);
  const reasons = [pg, redis].flatMap((s) => (s && !s.ok ? [s.reason] : []));
  if (missing) reasons.push(missing);
  const status: ServiceStatus = reasons.length === 0 ? { ok: true, url: pg.url } : { ok: false, url: pg.url, reason: reasons.join('; ') };
  describeWithService(name, status, () => body({ databaseUrl: pg.url, redisUrl: redis?.url ?? '' }));
}
