/**
 * Mutant (src/config.ts REDIS_URL): `.refine(isRedisUrl, { message: REDIS_URL_RULE, abort: true })` ->
 * `.refine(isRedisUrl, REDIS_URL_RULE)` survived test/unit/config.test.ts, whose non-redis URLs have
 * no path. A URL of another scheme with a path (`http://cache:6379/sessions`) then stopped the start
 * with two reasons, the second ("its path must be empty or a database number") about a URL Parlor
 * would never open: the operator is told to fix the path when the scheme is what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('REDIS_URL of another scheme, with a path', () => {
  it('stops the start with the scheme rule only', () => {
    for (const bad of ['http://cache:6379/sessions', 'https://cache:6380/abc']) {
      expect(() => loadConfig({ REDIS_URL: bad }), bad).toThrow(/^invalid configuration:\n  REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL$/);
    }
  });
});
