/**
 * Mutant C3 (src/store/membership-cache.ts, startLoad's `done`): `if (this.loading.get(groupId) === loaded)
 * this.loading.delete(groupId)` -> `this.loading.delete(groupId)`. Expected to survive
 * test/unit/membership-cache.test.ts: no test has a lookup arrive after a load from before an
 * invalidation answered while the load started after it is still under way.
 * The rule (src/store/membership-cache.ts, docs/scaling.md): "Asynchronous loads of one group already
 * under way are joined (a burst of messages to a group not cached costs one query)". On the mutant the
 * stale load's answer removes the newer load from the joinable ones, so the lookup starts a third query.
 * Passes on the current code; fails on the mutant.
 */
import { describe, expect, it } from 'vitest';
import { MembershipCache } from '../../src/store/membership-cache.js';

describe('MembershipCache: the answer of a load from before an invalidation does not end the joining of the newer load', () => {
  it('a lookup while the newer load runs joins it, even after the older one answered', async () => {
    const cache = new MembershipCache();
    let loads = 0;
    let finishOld!: (m: number[]) => void;
    let finishNew!: (m: number[]) => void;
    const old = cache.membersAsync(1, () => (loads++, new Promise<number[]>((r) => (finishOld = r))));
    cache.invalidate(1);
    const newer = cache.membersAsync(1, () => (loads++, new Promise<number[]>((r) => (finishNew = r))));
    expect(loads).toBe(2);
    finishOld([1, 2]);
    expect(await old).toEqual([1, 2]);
    const joined = cache.membersAsync(1, async () => (loads++, [9]));
    expect(loads).toBe(2);
    finishNew([1]);
    expect(await newer).toEqual([1]);
    expect(await joined).toEqual([1]);
  });
});
