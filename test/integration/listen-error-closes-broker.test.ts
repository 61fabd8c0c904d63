/**
 * Mutant L3 (src/standalone.ts, startServer's listen catch): `await parlor.close()...` dropped
 * survives test/integration/startup-listen-errors.test.ts: it checks only that the SQLite file is
 * closed, and runs without REDIS_URL, where the Parlor holds nothing else.
 * The rule (commit 73185c2, src/standalone.ts): a HOST or PORT that cannot be listened on "stops the
 * start naming the variable, and closes what was opened": "Nothing left open by a start that failed:
 * the broker's connections (closed with the Parlor), the stores." README.md: "Any bad value stops the
 * start with the variable's name". With REDIS_URL, the mutant leaves the broker's Redis sockets open
 * (a process that should exit stays up).
 * Passes on the current code; fails on the mutant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startServer } from '../../src/standalone.js';
import { testServerEnv } from '../support/server.js';
import { describeWithRedis } from '../support/services.js';

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await describeWithRedis('a start that fails on PORT closes the Redis broker it opened', (redisUrl) => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-listen-redis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('PORT taken: ConfigError naming PORT, and no Redis socket left open', async () => {
    const taken: Server = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    const port = (taken.address() as { port: number }).port;
    try {
      const before = sockets();
      const env = testServerEnv(dir, {
        PORT: String(port),
        REDIS_URL: redisUrl,
        REDIS_PREFIX: `review-mutation-${process.pid}-${Date.now()}`,
      });
      const err = await startServer(env, { logger: silentLogger }).then(
        async (running) => {
          await running.close();
          throw new Error('the server started');
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^PORT: /);
      await sleep(300);
      expect(sockets()).toBeLessThanOrEqual(before);
    } finally {
      await new Promise((ok) => taken.close(ok));
    }
  });
});
