import { describe, expect, it } from 'vitest';
import { UserBudgets } from '../../src/user-budgets.js';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('UserBudgets: one token bucket per user', () => {
  it('admits `burst` requests at once, then one per 1/rate s, and says how long to wait', () => {
    const c = clock();
    const budgets = new UserBudgets({ rate: 4, burst: 3 }, c.now);
    expect([budgets.take(1), budgets.take(1), budgets.take(1)]).toEqual([0, 0, 0]);
    expect(budgets.take(1)).toBe(250);
    c.t += 100;
    expect(budgets.take(1)).toBe(150);
    c.t += 150;
    expect(budgets.take(1)).toBe(0);
  });

  it('keeps users apart', () => {
    const c = clock();
    const budgets = new UserBudgets({ rate: 1, burst: 1 }, c.now);
    expect(budgets.take(1)).toBe(0);
    expect(budgets.take(1)).toBeGreaterThan(0);
    expect(budgets.take(2)).toBe(0);
  });

  it('forgets users whose bucket has refilled, so memory follows the recently active users', () => {
    const c = clock();
    const budgets = new UserBudgets({ rate: 10, burst: 5 }, c.now, 1000);
    for (let user = 1; user <= 100; user++) budgets.take(user);
    expect(budgets.size).toBe(100);
    c.t += 1000; // every bucket is full again
    budgets.take(1000);
    expect(budgets.size).toBe(1);
  });

  it('keeps a user who is still over budget through a sweep', () => {
    const c = clock();
    const budgets = new UserBudgets({ rate: 0.001, burst: 1 }, c.now, 1000);
    budgets.take(7);
    c.t += 1000;
    budgets.take(8);
    expect(budgets.take(7)).toBeGreaterThan(0);
  });

  it('refuses a budget that cannot work', () => {
    expect(() => new UserBudgets({ rate: 0, burst: 1 })).toThrow(TypeError);
    expect(() => new UserBudgets({ rate: 1, burst: 0 })).toThrow(TypeError);
  });
});
