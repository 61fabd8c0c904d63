/**
 * docs/scaling.md "Database numbers": keys live in the logical database of
 * REDIS_URL. A database the Redis server does not have (`/16` on the default
 * 16) is refused by its SELECT; ioredis only emits that as an error and goes
 * on in database 0. What used to happen: the failure was logged at debug, the
 * broker became ready, and its heartbeat and presence keys landed in database
 * 0, beside another deployment's with the same prefix.
 *
 * Now the refusal is fatal for the broker: one error line naming the
 * database and REDIS_URL, waitUntilReady rejects with it, and nothing is
 * written. Against the shared Redis: its `databases` is read, never changed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { silentLogger } from '../../src/logger.js';
import { startServer } from '../../src/standalone.js';
import { testServerEnv } from '../support/server.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';

await describeWithRedis('a REDIS_URL database the Redis server does not have', (url) => {
  const base = url.replace(/\/\d*$/, '');
  const prefix = `parlor-test-nodb-${randomUUID().slice(0, 8)}`;
  const brokers: RedisBroker[] = [];

  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    await deleteRedisKeys(`${base}/0`, prefix);
  });

  const missingDatabase = async () => {
    const admin = new Redis(`${base}/0`);
    const [, databases] = (await admin.config('GET', 'databases')) as [string, string];
    admin.disconnect();
    return Number(databases); // databases are 0 .. databases-1
  };

  it('stops npm start (startServer) with the refusal, and leaves nothing open', async () => {
    const missing = await missingDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'parlor-nodb-'));
    try {
      const env = testServerEnv(dir, {
        REDIS_URL: `${base}/${missing}`,
        REDIS_PREFIX: prefix,
      });
      const err = await startServer(env, { logger: silentLogger }).then(
        async (running) => {
          await running.close();
          return new Error('the server started');
        },
        (e: unknown) => e,
      );
      expect(String(err)).toMatch(new RegExp(`refused database ${missing}, the /db of REDIS_URL`));
      expect(existsSync(join(dir, 'parlor.db-wal')), 'the SQLite database left open').toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is fatal for the broker: one error line naming it, waitUntilReady rejects, no key written to database 0', async () => {
    const missing = await missingDatabase();
    const lines: Array<Record<string, any>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });

    const broker = new RedisBroker({ url: `${base}/${missing}`, prefix, logger });
    brokers.push(broker);

    const refused = new RegExp(`refused database ${missing}, the /db of REDIS_URL`);
    await expect(broker.waitUntilReady(10_000)).rejects.toThrow(refused);
    expect(broker.status).not.toBe('ready');
    expect(lines.filter((l) => l.level >= 40)).toEqual([expect.objectContaining({ level: 50, msg: expect.stringMatching(refused), database: missing })]);
    // A user coming online writes nothing either: no presence, no heartbeat, in any database.
    await broker.userOnline(7);
    expect(await deleteRedisKeys(`${base}/0`, prefix), 'keys this broker wrote into database 0').toBe(0);
  });
});
