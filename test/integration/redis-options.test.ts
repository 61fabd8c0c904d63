/**
 * RedisBroker options checked at construction, before connecting (no Redis
 * needed), and the server described without credentials.
 */
import { describe, expect, it } from 'vitest';
import { RedisBroker, describeRedisUrl, type RedisBrokerOptions } from '../../src/broker/redis-broker.js';

describe('RedisBroker options', () => {
  it.each([
    [{ presenceTtlMs: 0 }, /presenceTtlMs must be a positive integer/],
    [{ presenceTtlMs: 1000, heartbeatIntervalMs: 1000 }, /heartbeatIntervalMs must be shorter than presenceTtlMs/],
    [{ sweepIntervalMs: -5 }, /sweepIntervalMs must be a positive integer/],
    [{ url: 'http://localhost:6379' }, /must start with redis:\/\/ or rediss:\/\//],
    // Over 2^31-1 ms Node fires a timer at once: the sweep would run every millisecond (and the heartbeat, a third of the TTL, too).
    [{ presenceTtlMs: 3_000_000_000 }, /presenceTtlMs must be at most 2147483647 ms/],
    [{ sweepIntervalMs: 2 ** 31 }, /sweepIntervalMs must be at most 2147483647 ms/],
    [{ commandTimeoutMs: 2 ** 31 }, /commandTimeoutMs must be at most 2147483647 ms/],
    [{ prefix: 'has space' }, /prefix must be 1-64 non-space characters/],
    [{ instanceId: 'a/b' }, /instanceId must be/],
  ] as [RedisBrokerOptions, RegExp][])('%o throws at construction, before connecting', (options, message) => {
    expect(() => new RedisBroker(options)).toThrow(message);
  });

  it('describes the server without credentials', () => {
    expect(describeRedisUrl('redis://user:secret@cache.internal:6380/2')).toBe('redis://cache.internal:6380');
    expect(describeRedisUrl('rediss://cache.internal')).toBe('rediss://cache.internal:6379');
  });
});
