import { describe, expect, it, vi } from 'vitest';
import type { GroupMemberFetcher } from '../../src/websocket/group-member-fetcher.js';
import { KnownGroups } from '../../src/websocket/known-groups.js';

/** A fetcher whose answers the test releases by hand. */
function slowFetcher() {
  const waiting: Array<(members: number[] | null) => void> = [];
  const fetcher = {
    acceptedMembers: vi.fn((_groupId: number) => new Promise<number[] | null>((resolve) => waiting.push(resolve))),
  } satisfies GroupMemberFetcher;
  return { fetcher, answer: (members: number[] | null) => waiting.shift()!(members) };
}

describe('KnownGroups (a host fetcher behind the members cache)', () => {
  it('joins lookups of one group already under way: a burst asks the host once', async () => {
    const { fetcher, answer } = slowFetcher();
    const groups = new KnownGroups(fetcher, 10);
    const burst = [groups.acceptedMembers(1), groups.acceptedMembers(1), groups.acceptedMembers(1)];
    answer([1, 2]);
    expect(await Promise.all(burst)).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(await groups.acceptedMembers(1)).toEqual([1, 2]);
    expect(fetcher.acceptedMembers).toHaveBeenCalledTimes(1);
  });

  it('an invalidation during a lookup: that answer is not kept, and a lookup after it does not join the old one', async () => {
    const { fetcher, answer } = slowFetcher();
    const groups = new KnownGroups(fetcher, 10);
    const before = groups.acceptedMembers(1);
    groups.invalidate(1);
    const after = groups.acceptedMembers(1);
    answer([1]);
    answer([1, 3]);
    expect(await before).toEqual([1]);
    expect(await after).toEqual([1, 3]);
    const again = groups.acceptedMembers(1);
    expect(await again).toEqual([1, 3]);
    expect(fetcher.acceptedMembers).toHaveBeenCalledTimes(2);
  });

  it('keeps no unknown group, and no failed lookup', async () => {
    const fetcher = { acceptedMembers: vi.fn().mockResolvedValueOnce(null).mockRejectedValueOnce(new Error('down')).mockResolvedValue([5]) };
    const groups = new KnownGroups(fetcher, 10);
    expect(await groups.acceptedMembers(9)).toBeNull();
    await expect(groups.acceptedMembers(9)).rejects.toThrow('down');
    expect(await groups.acceptedMembers(9)).toEqual([5]);
    expect(await groups.acceptedMembers(9)).toEqual([5]);
    expect(fetcher.acceptedMembers).toHaveBeenCalledTimes(3);
  });

  it('a host that throws at once or answers a plain value: a rejection and an answer, as from a promise', async () => {
    const fetcher = {
      acceptedMembers: vi.fn((groupId: number) => {
        if (groupId === 1) throw new Error('sync failure');
        return [groupId];
      }),
    };
    const groups = new KnownGroups(fetcher, 10);
    const failed = groups.acceptedMembers(1);
    await expect(failed).rejects.toThrow('sync failure');
    expect(await groups.acceptedMembers(2)).toEqual([2]);
  });

  it('forgetAll during a lookup: that answer is not kept, and the next lookup asks again', async () => {
    const { fetcher, answer } = slowFetcher();
    const groups = new KnownGroups(fetcher, 10);
    const before = groups.acceptedMembers(1);
    groups.forgetAll();
    const after = groups.acceptedMembers(1);
    answer([1]);
    answer([1, 4]);
    expect(await before).toEqual([1]);
    expect(await after).toEqual([1, 4]);
    expect(fetcher.acceptedMembers).toHaveBeenCalledTimes(2);
  });

  it("passes the host's optional methods through, and leaves absent the ones it has not", async () => {
    const bare = new KnownGroups({ acceptedMembers: () => [1] });
    expect(bare.contactsOf).toBeUndefined();
    expect(bare.groupsOf).toBeUndefined();
    expect(bare.members).toBeUndefined();
    const full = new KnownGroups({
      acceptedMembers: () => [1],
      contactsOf: (id) => [id + 1],
      groupsOf: () => [{ id: 1, name: 'g', status: 'accepted' }],
      members: () => [{ id: 1, status: 'accepted' }],
    });
    expect(await full.contactsOf!(1)).toEqual([2]);
    expect(await full.groupsOf!(1)).toEqual([{ id: 1, name: 'g', status: 'accepted' }]);
    expect(await full.members!(1)).toEqual([{ id: 1, status: 'accepted' }]);
  });
});
