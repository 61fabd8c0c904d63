/**
 * README: "Any bad value stops the start with the variable's name". HOST and
 * PORT are only found bad by `server.listen`, after the stores were opened:
 * its error becomes one naming HOST (not an address of this machine, a name
 * that does not resolve) or PORT (taken, privileged), and what the start
 * opened is closed again.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startServer, type StartServerOptions } from '../../src/standalone.js';

describe('startServer with a HOST or PORT it cannot listen on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-listen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let seq = 0;

  /** Starts with `env` and returns the error it stops with, and whether the database was left open (its WAL file stays until it is closed). */
  async function failedStart(env: Record<string, string>, options: StartServerOptions = {}): Promise<{ err: unknown; databaseLeftOpen: boolean }> {
    const sqlitePath = join(dir, `run${++seq}`, 'parlor.db');
    const base = { PORT: '0', HOST: '127.0.0.1', SQLITE_PATH: sqlitePath, SESSION_SECRET: 'test-secret-test-secret-test-secret', PASSWORD_HASH_COST: '10', LOG_LEVEL: 'silent' };
    const err = await startServer({ ...base, ...env }, { logger: silentLogger, ...options }).then(
      async (running) => {
        await running.close();
        throw new Error('the server started');
      },
      (e: unknown) => e,
    );
    return { err, databaseLeftOpen: existsSync(`${sqlitePath}-wal`) };
  }

  it('a start that fails before it listens (here the Parlor options are refused) closes the stores too', async () => {
    const { err, databaseLeftOpen } = await failedStart({}, { host: { userDirectory: {} as never } });
    expect((err as Error).name).toBe('ParlorOptionsError');
    expect(databaseLeftOpen).toBe(false);
  });

  it('HOST that is no address of this machine (EADDRNOTAVAIL): a ConfigError naming HOST, and the stores closed', async () => {
    const { err, databaseLeftOpen } = await failedStart({ HOST: '192.0.2.1' }); // TEST-NET-1
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^HOST: cannot listen on 192\.0\.2\.1 port 0: .*EADDRNOTAVAIL/);
    expect(databaseLeftOpen).toBe(false);
  });

  it('HOST that does not resolve (ENOTFOUND, or EAI_AGAIN without a resolver): a ConfigError naming HOST', async () => {
    const { err, databaseLeftOpen } = await failedStart({ HOST: 'no-such-host.invalid' });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^HOST: cannot listen on no-such-host\.invalid port 0: .*(ENOTFOUND|EAI_AGAIN)/);
    expect(databaseLeftOpen).toBe(false);
  });

  it('PORT taken by another process (EADDRINUSE): a ConfigError naming PORT, and the stores closed', async () => {
    const taken: Server = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    try {
      const port = (taken.address() as { port: number }).port;
      const { err, databaseLeftOpen } = await failedStart({ PORT: String(port) });
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(new RegExp(`^PORT: cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`));
      expect(databaseLeftOpen).toBe(false);
    } finally {
      await new Promise((ok) => taken.close(ok));
    }
  });
});
