/**
 * The benchmark's Parlor server uses the store and broker its run chooses,
 * never a DATABASE_URL or REDIS_URL from the caller's environment
 * (bench/lib/targets.mjs). It once inherited them: a scale-out test that gave
 * the bench process the shared services' URLs made its SQLite configuration
 * write to PostgreSQL's default `parlor` schema and Redis's default `parlor`
 * prefix, and left them there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: the benchmark's modules are plain JavaScript without types
import { startTarget } from '../../bench/lib/targets.mjs';
import { ensureBuilt } from '../support/process.js';

const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };
let server: { url: string; env: Record<string, string | undefined>; stop(): Promise<void> } | undefined;
beforeAll(ensureBuilt, 120_000);
afterAll(async () => {
  await server?.stop();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

it('starts on SQLite though the environment names a PostgreSQL and a Redis (here unreachable ones)', async () => {
  process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/nowhere';
  process.env.REDIS_URL = 'redis://127.0.0.1:1';
  server = await startTarget('parlor');
  const health = await fetch(`${server!.url}/healthz`);
  expect(health.status).toBe(200);
  expect({ database: server!.env.DATABASE_URL, redis: server!.env.REDIS_URL }).toEqual({ database: undefined, redis: undefined });
});
