/**
 * A RedisBroker url that WHATWG URL cannot parse (a password with an
 * unescaped `/`, `#` or `?`, common in generated passwords) is refused with
 * Parlor's own TypeError. It once threw Node's ERR_INVALID_URL from
 * describeRedisUrl, whose enumerable `input` field is the whole url: a host
 * logging the construction error with pino (`logger.fatal({ err })`) wrote
 * the password into its log.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';

const PASSWORD = 'Zq9/hunter2+x';

describe('RedisBroker construction error', () => {
  it.each([
    ['a slash', `redis://default:${PASSWORD}@127.0.0.1:6379`],
    ['a hash', 'redis://:Zq9#hunter2@127.0.0.1:6379'],
  ])('a url whose password holds %s is refused without the password anywhere on the error a host logs', (_what, url) => {
    let thrown: unknown;
    try {
      const broker = new RedisBroker({ url, logger: pino({ level: 'silent' }) });
      void broker.close();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/RedisBroker option url is not a URL/);
    const lines: string[] = [];
    const hostLogger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    hostLogger.fatal({ err: thrown }, 'could not create the Parlor broker');
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});
