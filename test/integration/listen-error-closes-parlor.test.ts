/**
 * startServer is exported for embedders (src/index.ts). A start whose `listen` fails (here PORT taken:
 * EADDRINUSE) after the Parlor was created closes that Parlor (src/standalone.ts closeAfterFailedStart),
 * not only its broker and the stores: its Manager stops and its intervals (the WebSocket heartbeat, the
 * session recheck) are cleared. Without it the Parlor stayed open with both ticking for as long as the
 * embedding process lived, one more pair per failed start (an embedder that tries the next port), over
 * stores already closed. The intervals are unref'd, so `npm start` exits either way (exit 1, "PORT: cannot
 * listen ..."): this is about the process that goes on.
 * startup-listen-errors covers the stores, listen-error-closes-broker the Redis sockets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import type { Parlor } from '../../src/app.js';
import { ConfigError } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startServer } from '../../src/standalone.js';
import { testServerEnv } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-listen-parlor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
});

let seq = 0;

/**
 * startServer on `port`, closed again at once if it starts. Only the intervals are faked (the stores, the
 * listen and the close run on real I/O): returns how many of them the start left, the Parlor it created
 * (handed to `hostRoutes`, the embedder's door to it) and the error it stopped with.
 */
async function startOn(port: number): Promise<{ intervalsLeft: number; parlor: Parlor | undefined; err: unknown }> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  try {
    let parlor: Parlor | undefined;
    const env = testServerEnv(join(dir, `run${++seq}`), {
      PORT: String(port),
    });
    const hostRoutes = (created: Parlor) => {
      parlor = created;
      return (_req: unknown, _res: unknown, next: () => void) => next();
    };
    const err = await startServer(env, { logger: silentLogger, hostRoutes }).then(
      (running) => running.close(),
      (e: unknown) => e,
    );
    return { intervalsLeft: vi.getTimerCount(), parlor, err };
  } finally {
    vi.useRealTimers();
  }
}

it('PORT taken: the start stops naming PORT, and the Parlor it created is closed, leaving no more intervals than an ordinary close', async () => {
  // What a Parlor that started and closed leaves (the HTTP auth rate limiter's own sweep, unref'd).
  const closedNormally = await startOn(0);
  expect(closedNormally.err).toBeUndefined();

  const taken: Server = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  const port = (taken.address() as { port: number }).port;
  try {
    const { intervalsLeft, parlor, err } = await startOn(port);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`^PORT: cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`));
    expect(parlor).toBeDefined();
    expect(parlor!.manager.isRunning).toBe(false);
    expect(() => parlor!.attach(createServer())).toThrow(/this Parlor is closed/);
    expect(intervalsLeft).toBe(closedNormally.intervalsLeft);
  } finally {
    await new Promise((ok) => taken.close(ok));
  }
});
