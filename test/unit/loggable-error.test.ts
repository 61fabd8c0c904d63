/**
 * The rule "no credential a foreign error carries reaches a log line" lives
 * in the logger (withLoggableErrors), so it holds for every line, however it
 * is written, and for the children of the logger too.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { Manager } from '../../src/websocket/manager.js';
import { withLoggableErrors } from '../../src/loggable-error.js';
import type { Logger } from '../../src/logger.js';
import { captureLogger } from '../support/server.js';

const SECRET = 's3cret-session-id';

/** An error as ioredis makes it: the failed command with its arguments, and a cause holding more. */
function redisError(): Error {
  return Object.assign(new Error('LOADING Redis is loading the dataset in memory'), {
    code: 'LOADING',
    command: { name: 'get', args: [`sess:${SECRET}`] },
    cause: Object.assign(new Error('underlying'), { headers: { cookie: `sid=${SECRET}` } }),
  });
}

describe('withLoggableErrors', () => {
  it('keeps what tells an operator what failed, drops what the error carried, in every way a line is written', () => {
    const { logger, lines } = captureLogger('debug');
    const log = withLoggableErrors(logger);
    log.warn({ err: redisError(), userId: 7 }, 'as a field');
    log.error(redisError(), 'as the first argument');
    log.child({ component: 'x' }).info({ err: redisError() }, 'from a child');

    expect(lines).toHaveLength(3);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    for (const line of lines) {
      expect(line.err).toMatchObject({ type: 'Error', code: 'LOADING', commandName: 'get' });
      // pino's serializer folds the cause into the message and stack: kept, without its fields.
      expect(line.err.message).toBe('LOADING Redis is loading the dataset in memory: underlying');
      expect(line.err.stack).toContain('redisError');
    }
    expect(lines[0]).toMatchObject({ userId: 7, msg: 'as a field' });
  });

  it('the logger given to it is left as it was, and a stand-in without child() is used as it is', () => {
    const { logger, lines } = captureLogger();
    withLoggableErrors(logger);
    logger.warn({ err: redisError() }, 'raw');
    expect(JSON.stringify(lines)).toContain(SECRET);
    // One it made is not wrapped again (createParlor hands its own to the Manager).
    const once = withLoggableErrors(logger);
    expect(withLoggableErrors(once)).toBe(once);
    const standIn = { warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() } as unknown as Logger;
    expect(withLoggableErrors(standIn)).toBe(standIn);
  });

  it('a Manager built with the host logger logs through it: a failing host interface leaves no secret in the line', async () => {
    const { logger, lines } = captureLogger();
    const failing = {
      contactsOf: () => {
        throw redisError();
      },
      isMember: () => false,
      groupsOf: () => [],
    };
    const manager = new Manager(
      { resolve: () => null },
      failing as never,
      { savePrivate: vi.fn(), saveGroup: vi.fn(), saveNotification: vi.fn(), privateHistory: vi.fn(), groupHistory: vi.fn() } as never,
      { logger },
    );
    await manager.changeContacts(1, () => undefined);
    await manager.close();
    expect(lines.some((l) => l.err?.code === 'LOADING')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('the stores log through it too: a failed session prune leaves no secret in the line', async () => {
    const { logger, lines } = captureLogger();
    const dir = mkdtempSync(join(tmpdir(), 'parlor-log-'));
    const stores = openSqliteStores({ path: join(dir, 'parlor.db'), writer: 'inline', logger, sessionPruneIntervalMs: 10 });
    try {
      vi.spyOn(stores.sessions, 'pruneExpired').mockRejectedValue(redisError());
      await vi.waitFor(() => expect(lines.some((l) => l.msg === 'pruning expired sessions failed')).toBe(true));
      expect(lines.find((l) => l.msg === 'pruning expired sessions failed')!.err).toMatchObject({ code: 'LOADING', commandName: 'get' });
      expect(JSON.stringify(lines)).not.toContain(SECRET);
    } finally {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
