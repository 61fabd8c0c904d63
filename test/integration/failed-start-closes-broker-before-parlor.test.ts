/**
 * A start that fails after the Redis broker was made and before the Parlor was (here the Parlor options are
 * refused: createParlor throws) closes that broker itself (src/standalone.ts closeAfterFailedStart: no Parlor
 * to close it), so no Redis socket is left open and the process can exit. startup-listen-errors covers this
 * failure without REDIS_URL (the stores only); listen-error-closes-broker covers a failure after the Parlor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { startServer } from '../../src/standalone.js';
import { testServerEnv } from '../support/server.js';
import { deleteRedisKeys, describeWithRedis } from '../support/services.js';

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await describeWithRedis('a start that fails between the broker and the Parlor', (redisUrl) => {
  const prefix = `parlor-test-failed-start-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'parlor-failed-start-'));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deleteRedisKeys(redisUrl, prefix);
  });

  it('Parlor options refused with REDIS_URL set: the error stands, and no Redis socket is left open', async () => {
    const before = tcpSockets();
    const env = testServerEnv(dir, {
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
    });
    const err = await startServer(env, { logger: silentLogger, host: { userDirectory: {} as never } }).then(
      async (running) => {
        await running.close();
        return new Error('the server started');
      },
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('ParlorOptionsError');
    await sleep(300);
    expect(tcpSockets()).toBeLessThanOrEqual(before);
  });
});
