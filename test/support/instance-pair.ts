/**
 * Two Parlor instances in this process (A and B, each startTestServer's) on one fresh PostgreSQL schema and one
 * fresh Redis key prefix: a scaled-out deployment whose stores and broker a test can reach into. `stop` closes
 * every test server, deletes the prefix's keys and drops the schema.
 */
import { randomUUID } from 'node:crypto';
import { dropSchema, freshSchema } from './postgres.js';
import { closeAll, startTestServer, type TestServer } from './server.js';
import { deleteRedisKeys } from './services.js';

export interface InstancePair {
  A: TestServer;
  B: TestServer;
  stop(): Promise<void>;
}

export async function startInstancePair(
  { databaseUrl, redisUrl }: { databaseUrl: string; redisUrl: string },
  label: string,
  env: Record<string, string> = {},
): Promise<InstancePair> {
  const schema = freshSchema(label);
  const prefix = `parlor-test-${label}-${randomUUID().slice(0, 8)}`;
  const shared = {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    SESSION_SECRET: `${label}-secret-${randomUUID()}`,
    ...env,
  };
  const A = await startTestServer(shared);
  const B = await startTestServer(shared);
  return {
    A,
    B,
    async stop() {
      await closeAll();
      await deleteRedisKeys(redisUrl, prefix).catch(() => {});
      await dropSchema(databaseUrl, schema);
    },
  };
}
