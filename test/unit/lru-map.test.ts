import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/store/lru-map.js';

describe('LruMap', () => {
  it('when full, an entry not read since it was stored leaves before one that was read', () => {
    const m = new LruMap<string, number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    expect(m.get('a')).toBe(1);
    m.set('d', 4); // a was read: b, the oldest unread, leaves
    expect(m.peek('b')).toBeUndefined();
    expect([m.peek('a'), m.peek('c'), m.peek('d')]).toEqual([1, 3, 4]);
    m.set('e', 5); // a had its second chance when b left; c is now the oldest unread
    expect(m.peek('c')).toBeUndefined();
    expect(m.size).toBe(3);
  });

  it('when every entry was read, the oldest leaves, never the new one', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.get('b');
    m.set('c', 3);
    expect([m.peek('a'), m.peek('b'), m.peek('c')]).toEqual([undefined, 2, 3]);
  });

  it('a read used lately survives any number of newcomers while it is read between them', () => {
    const m = new LruMap<number, string>(4);
    m.set(0, 'hot');
    for (let i = 1; i < 1000; i++) {
      expect(m.get(0)).toBe('hot');
      m.set(i, 'cold');
    }
    expect(m.size).toBe(4);
    expect(m.stats).toEqual({ hits: 999, misses: 0 });
  });

  it('set on a present key replaces its value and counts as a use; peek neither counts nor marks', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 10);
    expect(m.peek('b')).toBe(2);
    m.set('c', 3); // b was never read: it leaves, not a
    expect([m.peek('a'), m.peek('b'), m.peek('c')]).toEqual([10, undefined, 3]);
    expect(m.get('zz')).toBeUndefined();
    expect(m.stats).toEqual({ hits: 0, misses: 1 });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruMap(0)).toThrow(TypeError);
    expect(() => new LruMap(2.5)).toThrow(TypeError);
  });
});
