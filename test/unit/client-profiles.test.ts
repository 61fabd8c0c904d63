import { describe, expect, it, vi } from 'vitest';
import { MAX_IDS_PER_REQUEST, ProfileCache, type Profile } from '../../src/client/profiles.js';
import { MAX_PROFILE_IDS_PER_REQUEST } from '../../src/wire-limits.js';

const profile = (id: number): Profile => ({ id, username: `user${id}` });

/** A fetch that knows users 1..50 and 1000..1300, recording each request's ids. */
function fakeFetch() {
  return vi.fn(async (ids: readonly number[]) => ids.filter((id) => id <= 50 || (id >= 1000 && id <= 1300)).map(profile));
}

describe('ProfileCache (names for clients, cached per page)', () => {
  it('asks once for the ids requested in the same tick, never again for those it has', async () => {
    const fetch = fakeFetch();
    const cache = new ProfileCache(fetch);
    await Promise.all([cache.load([1, 2]), cache.load([2, 3])]);
    expect(fetch.mock.calls).toEqual([[[1, 2, 3]]]);
    await cache.load([1, 2, 3]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(cache.get(3)).toEqual(profile(3));
  });

  it('a load while the same id is in flight waits for that request instead of sending another', async () => {
    const fetch = fakeFetch();
    const cache = new ProfileCache(fetch);
    const first = cache.load([7]);
    await Promise.resolve();
    await Promise.all([first, cache.load([7])]);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('remembers ids the server does not know: shown as "user #id", never asked for again', async () => {
    const fetch = fakeFetch();
    const cache = new ProfileCache(fetch);
    await cache.load([999]);
    await cache.load([999]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(cache.nameOf(999)).toBe('user #999');
  });

  it('splits more than 100 ids into requests of at most 100', async () => {
    const fetch = fakeFetch();
    const cache = new ProfileCache(fetch);
    await cache.load(Array.from({ length: 250 }, (_, i) => 1000 + i));
    expect(fetch.mock.calls.map(([ids]) => ids.length)).toEqual([100, 100, 50]);
    // The batch is the server's limit (GET /api/users), one constant for both ends.
    expect(MAX_IDS_PER_REQUEST).toBe(MAX_PROFILE_IDS_PER_REQUEST);
    expect(cache.get(1249)).toEqual(profile(1249));
  });

  it('nameOf starts a load for an unseen id and says "loaded" when it can show the name; display_name wins', async () => {
    const cache = new ProfileCache(async (ids) => ids.map((id) => ({ id, username: `u${id}`, display_name: `Name ${id}` })));
    const loaded = new Promise<Profile[]>((resolve) => cache.once('loaded', resolve));
    expect(cache.nameOf(4)).toBe('user #4');
    expect(await loaded).toEqual([{ id: 4, username: 'u4', display_name: 'Name 4' }]);
    expect(cache.nameOf(4)).toBe('Name 4');
  });

  it('a failed request is reported and its ids may be asked for again', async () => {
    let fail = true;
    const fetch = vi.fn(async (ids: readonly number[]) => {
      if (fail) throw new Error('offline');
      return ids.map(profile);
    });
    const cache = new ProfileCache(fetch);
    const errors: unknown[] = [];
    cache.on('error', (e) => errors.push(e));
    await expect(cache.load([5])).rejects.toThrow('offline');
    expect(errors).toHaveLength(1);
    fail = false;
    await cache.load([5]);
    expect(cache.get(5)).toEqual(profile(5));
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('remember() fills the cache from what the page already has', async () => {
    const fetch = fakeFetch();
    const cache = new ProfileCache(fetch);
    cache.remember([{ id: 9, username: 'me' }]);
    await cache.load([9]);
    expect(fetch).not.toHaveBeenCalled();
    expect(cache.nameOf(9)).toBe('me');
  });
});
