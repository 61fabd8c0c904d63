import { describe, expect, it, vi } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { KnownUsers } from '../../src/websocket/known-users.js';
import { deferred, mockUserDirectory } from '../support/mocks.js';

describe('KnownUsers: the UserDirectory behind a cache of confirmed ids', () => {
  it('asks the directory once per user: a confirmed id is answered from the cache', async () => {
    const directory = mockUserDirectory([1, 2]);
    const users = new KnownUsers(directory);
    await users.require(2);
    await users.require(2);
    expect(await users.existing([1, 2])).toEqual([1, 2]);
    expect(directory.existing.mock.calls).toEqual([[[2]], [[1]]]);
  });

  it('an unknown id is not_found, and asked again next time (the host may create it meanwhile)', async () => {
    const directory = mockUserDirectory([1]);
    const users = new KnownUsers(directory);
    await expect(users.require(7)).rejects.toEqual(new ParlorError('not_found', 'user 7 does not exist'));
    directory.users.add(7);
    await users.require(7);
    expect(directory.existing).toHaveBeenCalledTimes(2);
  });

  it('invalidate forgets one user: the next check asks again, and a deleted user is not_found', async () => {
    const directory = mockUserDirectory([1, 2]);
    const users = new KnownUsers(directory);
    await users.existing([1, 2]);
    directory.users.delete(1);
    users.invalidate(1);
    await expect(users.require(1)).rejects.toMatchObject({ code: 'not_found' });
    await users.require(2);
    expect(directory.existing.mock.calls).toEqual([[[1, 2]], [[1]]]);
  });

  it('a burst of checks of one new id asks the directory once; after an invalidation a new check asks again', async () => {
    const answer = deferred<number[]>();
    const directory = { existing: vi.fn((_ids: readonly number[]) => answer.promise) };
    const users = new KnownUsers(directory);
    const burst = [1, 2, 3, 4, 5].map(() => users.require(8));
    expect(directory.existing).toHaveBeenCalledTimes(1);
    users.invalidate(8);
    const after = users.require(8);
    expect(directory.existing).toHaveBeenCalledTimes(2);
    answer.resolve([8]);
    await Promise.all([...burst, after]);
  });

  it('a burst of checks of one unknown id: one question, every check not_found', async () => {
    const directory = mockUserDirectory([]);
    const users = new KnownUsers(directory);
    const results = await Promise.allSettled([1, 2, 3].map(() => users.require(9)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(directory.existing).toHaveBeenCalledTimes(1);
    await expect(users.require(9)).rejects.toMatchObject({ code: 'not_found' });
    expect(directory.existing).toHaveBeenCalledTimes(2);
  });

  it('a lookup under way when an invalidation comes is answered but not kept', async () => {
    const answer = deferred<number[]>();
    const directory = { existing: vi.fn(() => answer.promise) };
    const users = new KnownUsers(directory);
    const pending = users.require(5);
    users.invalidate(5);
    answer.resolve([5]);
    await pending;
    expect(users.size).toBe(0);
  });

  it('is bounded: the least recently used id leaves first; capacity 0 keeps nothing', async () => {
    const directory = mockUserDirectory([1, 2, 3]);
    const users = new KnownUsers(directory, 2);
    await users.require(1);
    await users.require(2);
    await users.require(1); // 1 is now the most recent
    await users.require(3); // 2 leaves
    expect(users.size).toBe(2);
    directory.existing.mockClear();
    await users.require(1);
    await users.require(2);
    expect(directory.existing.mock.calls).toEqual([[[2]]]);

    const off = new KnownUsers(directory, 0);
    await off.require(1);
    await off.require(1);
    expect(off.size).toBe(0);
  });

  it('an id in use is never evicted: used once per capacity/2 new confirmations, it stays however many others come', async () => {
    const directory = mockUserDirectory(Array.from({ length: 100 }, (_, i) => i + 1));
    const users = new KnownUsers(directory, 4);
    await users.require(1);
    for (let other = 2; other <= 100; other++) {
      await users.require(other);
      if (other % 2 === 0) await users.require(1);
    }
    expect(directory.existing.mock.calls.filter(([ids]) => ids.includes(1))).toHaveLength(1);
    expect(users.size).toBeLessThanOrEqual(4);
  });

  it('keeps only ids that were asked: a directory that answers more confirms nothing extra', async () => {
    const directory = { existing: vi.fn((_ids: readonly number[]) => [1, 99, 1]) };
    const users = new KnownUsers(directory);
    expect(await users.existing([1, 1, 2])).toEqual([1]);
    expect(directory.existing).toHaveBeenCalledWith([1, 2]);
    expect(users.size).toBe(1);
  });

  it('profiles: only of ids that exist, in the order asked, with only the contract fields', async () => {
    const directory = {
      existing: (ids: readonly number[]) => ids.filter((id) => id !== 3),
      profiles: vi.fn((ids: readonly number[]) =>
        [...ids].reverse().map((id) => ({ id, username: `u${id}`, display_name: `U ${id}`, email: `u${id}@example.com`, password_hash: 'x' })),
      ),
    };
    const users = new KnownUsers(directory);
    expect(await users.profiles([2, 3, 1])).toEqual([
      { id: 2, username: 'u2', display_name: 'U 2' },
      { id: 1, username: 'u1', display_name: 'U 1' },
    ]);
    expect(directory.profiles).toHaveBeenCalledWith([2, 1]);
    expect(await new KnownUsers({ existing: (ids) => [...ids] }).profiles([1])).toEqual([]);
  });

  it('a failing directory rejects with its own error and confirms nothing', async () => {
    const directory = { existing: vi.fn(() => Promise.reject(new Error('host down'))) };
    const users = new KnownUsers(directory);
    await expect(users.require(1)).rejects.toThrow('host down');
    expect(users.size).toBe(0);
  });
});
