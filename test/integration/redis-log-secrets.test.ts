/**
 * No credential in any log line at any level, for Redis: ioredis puts the
 * failed command and its arguments on its errors (an AUTH's password, a
 * PUBLISH's payload), and a logger serializes every field of an error. A
 * fake Redis on a spare port refuses every AUTH, the way a Redis with a
 * changed password does; the broker logs at debug level throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggableError } from '../../src/loggable-error.js';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { startFailingRedis, type FailingRedis } from '../support/failing-redis.js';
import { captureLogger } from '../support/server.js';

const PASSWORD = 'hunter2-redis-password';

describe('Redis errors in the log', () => {
  let fake: FailingRedis;
  let port: number;

  beforeAll(async () => {
    // Answers every command with the error a wrong password gets.
    fake = await startFailingRedis('WRONGPASS invalid username-password pair or user is disabled.');
    port = fake.port;
  });
  afterAll(() => fake.close());

  it('a refused AUTH is logged without the password, at any level', async () => {
    const log = captureLogger('debug');
    const broker = new RedisBroker({ url: `redis://default:${PASSWORD}@127.0.0.1:${port}`, logger: log.logger });
    try {
      await expect.poll(() => log.lines.filter((l) => l.msg === 'redis: connection error').length, { timeout: 5000 }).toBeGreaterThan(0);
    } finally {
      await broker.close();
    }
    const text = JSON.stringify(log.lines);
    expect(text).toContain('WRONGPASS');
    expect(text).not.toContain(PASSWORD);
  });

  it('loggableError keeps the message and the command name, never its arguments', () => {
    const err = Object.assign(new Error('ERR something failed'), {
      command: { name: 'publish', args: ['parlor:u:1', '{"order":{"sessionId":"s3cret-session"}}'] },
      previousErrors: [Object.assign(new Error('aborted'), { command: { name: 'auth', args: ['default', PASSWORD] } })],
      code: 'ERR',
    });
    const safe = loggableError(err) as Error & Record<string, unknown>;
    expect(safe.message).toBe('ERR something failed');
    expect(safe).toMatchObject({ code: 'ERR', commandName: 'publish' });
    expect(JSON.stringify({ ...safe })).not.toMatch(/s3cret-session|hunter2/);
    expect(safe.stack).toBe(err.stack);
  });

  it('a url with a wrong scheme is refused without repeating it (it may hold a password)', () => {
    expect(() => new RedisBroker({ url: `valkey://default:${PASSWORD}@127.0.0.1:1` })).toThrow(/^(?!.*hunter2).*must start with redis:\/\//);
  });
});
