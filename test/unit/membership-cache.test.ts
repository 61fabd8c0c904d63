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

describe('MembershipCache: lookups of a group already under way are joined', () => {
  it('a burst of lookups of one group costs one load, enabled or disabled; another group loads on its own', async () => {
    for (const enabled of [true, false]) {
      const cache = new MembershipCache(10, { enabled });
      let finish!: (members: number[]) => void;
      let loads = 0;
      const load = () => (loads++, new Promise<number[]>((resolve) => (finish = resolve)));
      const burst = [cache.membersAsync(1, load), cache.membersAsync(1, load), cache.membersAsync(1, load)];
      expect(loads).toBe(1);
      void cache.membersAsync(2, async () => (loads++, [9]));
      expect(loads).toBe(2);
      finish([1, 2]);
      expect(await Promise.all(burst)).toEqual([[1, 2], [1, 2], [1, 2]]);
      // Once it answered, nothing is joined any more: kept (enabled), or loaded again (disabled).
      await cache.membersAsync(1, async () => (loads++, [1, 2]));
      expect(loads).toBe(enabled ? 2 : 3);
    }
  });

  it('a failed load fails every lookup that joined it, and the next lookup loads again', async () => {
    const cache = new MembershipCache();
    let fail!: (err: Error) => void;
    const first = cache.membersAsync(1, () => new Promise((_resolve, reject) => (fail = reject)));
    const joined = cache.membersAsync(1, async () => [99]);
    fail(new Error('pool exhausted'));
    await expect(first).rejects.toThrow('pool exhausted');
    await expect(joined).rejects.toThrow('pool exhausted');
    expect(await cache.membersAsync(1, async () => [3])).toEqual([3]);
  });

  it('a lookup after an invalidation does not join the load from before it, and only the later load is kept', async () => {
    const cache = new MembershipCache();
    let finishOld!: (members: number[]) => void;
    const before = cache.membersAsync(1, () => new Promise((resolve) => (finishOld = resolve)));
    cache.invalidate(1); // someone left while the old list was on its way
    let newLoads = 0;
    const after = cache.membersAsync(1, async () => (newLoads++, [1]));
    expect(newLoads).toBe(1);
    finishOld([1, 2]);
    expect(await before).toEqual([1, 2]); // its own callers get what it read
    expect(await after).toEqual([1]);
    expect(await cache.membersAsync(1, async () => [7])).toEqual([1]);
  });

  it('disabled then enabled while a load runs: later lookups do not join it, and it is not kept', async () => {
    const cache = new MembershipCache();
    let finishOld!: (members: number[]) => void;
    const before = cache.membersAsync(1, () => new Promise((resolve) => (finishOld = resolve)));
    cache.disable();
    cache.enable();
    const after = cache.membersAsync(1, async () => [5]);
    finishOld([1, 2]);
    expect(await before).toEqual([1, 2]);
    expect(await after).toEqual([5]);
    expect(await cache.membersAsync(1, async () => [6])).toEqual([5]);
  });

  it('a load that throws at once is a rejected lookup, as an asynchronous failure is', async () => {
    const cache = new MembershipCache();
    await expect(
      cache.membersAsync(1, () => {
        throw new Error('bad query');
      }),
    ).rejects.toThrow('bad query');
    expect(await cache.membersAsync(1, async () => [1])).toEqual([1]);
  });
});
