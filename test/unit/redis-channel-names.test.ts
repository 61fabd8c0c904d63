/**
 * Channel names per Redis logical database (src/broker/channels.ts): pub/sub
 * ignores the database number, so it is part of every channel name; database 0
 * keeps the names it always had.
 */
import { describe, expect, it } from 'vitest';
import { RedisNames } from '../../src/broker/channels.js';
import { databaseOf } from '../../src/broker/redis-broker.js';

const channels = (n: RedisNames) => [n.userChannel(2), n.allChannel, n.disconnectChannel, n.invalidateChannel];

describe('Redis channel names and the database number', () => {
  it('database 0 keeps the plain names; another database adds @db<n>', () => {
    expect(channels(new RedisNames('parlor'))).toEqual(['parlor:u:2', 'parlor:all', 'parlor:disconnect', 'parlor:invalidate']);
    expect(channels(new RedisNames('parlor', 14))).toEqual(['parlor:u:2@db14', 'parlor:all@db14', 'parlor:disconnect@db14', 'parlor:invalidate@db14']);
  });

  it('no two (prefix, database) pairs share a channel, even when a prefix looks like another’s name', () => {
    const pairs: Array<[string, number]> = [['parlor', 0], ['parlor', 1], ['parlor', 14], ['parlor', 141], ['parlor@db1', 0], ['parlor@db1', 4], ['parlor:u:2', 0], ['parlor:all@db1', 0]];
    const seen = new Map<string, string>();
    for (const [prefix, db] of pairs) {
      for (const channel of channels(new RedisNames(prefix, db))) {
        expect(seen.get(channel), channel).toBeUndefined();
        seen.set(channel, `${prefix}/${db}`);
      }
    }
  });

  it('reads a user channel of its own database only', () => {
    const db14 = new RedisNames('parlor', 14);
    expect(db14.userOfChannel('parlor:u:7@db14')).toBe(7);
    expect(db14.userOfChannel('parlor:u:7')).toBeUndefined();
    expect(db14.userOfChannel('parlor:u:7@db1')).toBeUndefined();
    expect(new RedisNames('parlor').userOfChannel('parlor:u:7@db14')).toBeUndefined();
    expect(new RedisNames('parlor').userOfChannel('parlor:u:7')).toBe(7);
  });

  it('the database is the one ioredis selects: the URL’s /db, else the db option, else 0', () => {
    expect(databaseOf('redis://h:6379/14', {})).toBe(14);
    expect(databaseOf('redis://h:6379/14', { db: 3 })).toBe(14);
    expect(databaseOf('redis://h:6379', { db: 3 })).toBe(3);
    expect(databaseOf('redis://h:6379/', undefined)).toBe(0);
    expect(() => databaseOf('redis://h:6379/x', undefined)).toThrow(TypeError);
    expect(() => new RedisNames('parlor', -1)).toThrow(TypeError);
  });
});
