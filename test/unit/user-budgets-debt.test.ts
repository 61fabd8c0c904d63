/**
 * Rule: a read whose cost shows only once it is done (the conversation list,
 * charged by its size) is charged after the fact: the user's bucket goes into
 * debt, and no request of that kind is admitted until it is paid back at the
 * budget's rate (test/integration/conversations-read-cost.test.ts end to end).
 */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/token-bucket.js';
import { UserBudgets } from '../../src/user-budgets.js';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('spending more than is left', () => {
  it('TokenBucket.spend goes below zero; take refuses until the debt is paid back', () => {
    const c = clock();
    const bucket = new TokenBucket(10, 5, c.now);
    bucket.spend(8); // 5 - 8 = -3
    expect(bucket.take()).toBe(false);
    expect(bucket.msUntilToken()).toBe(400); // 4 tokens at 10/s
    c.t += 399;
    expect(bucket.take()).toBe(false);
    c.t += 1;
    expect(bucket.take()).toBe(true);
  });

  it('UserBudgets.spend charges one user only, and nothing for zero or less', () => {
    const c = clock();
    const budgets = new UserBudgets({ rate: 2, burst: 3 }, c.now);
    expect(budgets.take(1)).toBe(0);
    budgets.spend(1, 4); // 2 - 4 = -2
    budgets.spend(2, 0);
    budgets.spend(2, -5);
    expect(budgets.take(1)).toBe(1500); // 3 tokens at 2/s
    expect([budgets.take(2), budgets.take(2), budgets.take(2)]).toEqual([0, 0, 0]);
  });

  it('a user in debt keeps a bucket through the sweep (a new one would be full)', () => {
    const c = clock();
    const budgets = new UserBudgets({ rate: 1, burst: 2 }, c.now, 1000);
    budgets.spend(1, 10);
    c.t += 5000;
    expect(budgets.take(2)).toBe(0); // sweeps
    expect(budgets.take(1)).toBeGreaterThan(0);
  });
});
