import { describe, expect, it } from 'vitest';
import { MembershipCache } from '../../src/store/membership-cache.js';

describe('MembershipCache', () => {
  it('loads a group once, then answers from memory until invalidated', () => {
    const cache = new MembershipCache();
    let loads = 0;
    const load = () => (loads++, [1, 2, 3]);
    expect(cache.members(7, load)).toEqual([1, 2, 3]);
    expect(cache.members(7, load)).toEqual([1, 2, 3]);
    expect(loads).toBe(1);
    cache.invalidate(7);
    expect(cache.members(7, () => [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    expect(cache.stats).toEqual({ hits: 1, misses: 2, invalidations: 1 });
  });

  it('does not keep null (a group that does not exist), so a later group with that id is loaded', () => {
    const cache = new MembershipCache();
    expect(cache.members(9, () => null)).toBeNull();
    expect(cache.size).toBe(0);
    expect(cache.members(9, () => [5])).toEqual([5]);
  });

  it('hands out a frozen copy: a caller cannot change what the next caller sees', () => {
    const cache = new MembershipCache();
    const source = [1, 2];
    const members = cache.members(1, () => source)!;
    expect(Object.isFrozen(members)).toBe(true);
    expect(() => (members as number[]).push(3)).toThrow(TypeError);
    source.push(99);
    expect(cache.members(1, () => [])).toEqual([1, 2]);
  });

  it('keeps at most `capacity` groups, dropping the least recently used', () => {
    const cache = new MembershipCache(2);
    cache.members(1, () => [1]);
    cache.members(2, () => [2]);
    cache.members(1, () => []); // 1 is now the most recently used
    cache.members(3, () => [3]); // 2 leaves
    expect(cache.size).toBe(2);
    let reloaded = false;
    cache.members(2, () => ((reloaded = true), [2]));
    expect(reloaded).toBe(true);
    expect(cache.members(3, () => [])).toEqual([3]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new MembershipCache(0)).toThrow(TypeError);
    expect(() => new MembershipCache(1.5)).toThrow(TypeError);
  });
});

describe('MembershipCache: asynchronous loads and the disabled state', () => {
  it('a load that an invalidation overtook is answered but not kept', async () => {
    const cache = new MembershipCache();
    let finish!: (members: number[]) => void;
    const pending = cache.membersAsync(1, () => new Promise((resolve) => (finish = resolve)));
    cache.invalidate(1); // the change committed while the old list was on its way
    finish([1]);
    expect(await pending).toEqual([1]);
    expect(cache.size).toBe(0);
    expect(await cache.membersAsync(1, async () => [1, 2])).toEqual([1, 2]);
    expect(await cache.membersAsync(1, async () => [])).toEqual([1, 2]);
  });

  it('disabled, every lookup loads and nothing is kept; enabled again, it starts from empty', async () => {
    const cache = new MembershipCache(10, { enabled: false });
    let loads = 0;
    const load = async () => (loads++, [7]);
    await cache.membersAsync(1, load);
    await cache.membersAsync(1, load);
    expect(loads).toBe(2);
    cache.enable();
    await cache.membersAsync(1, load);
    await cache.membersAsync(1, load);
    expect(loads).toBe(3);
    cache.disable();
    expect(cache.size).toBe(0);
    expect(cache.enabled).toBe(false);
  });

  it('a load in flight when the cache is disabled is not kept', async () => {
    const cache = new MembershipCache();
    let finish!: (members: number[]) => void;
    const pending = cache.membersAsync(1, () => new Promise((resolve) => (finish = resolve)));
    cache.disable();
    cache.enable();
    finish([1]);
    await pending;
    expect(cache.size).toBe(0);
  });
});
