import { describe, expect, it } from 'vitest';
import { CredentialBudgets, credentialOf } from '../../src/http/credential-budgets.js';
import type { Identity } from '../../src/websocket/session-resolver.js';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

const session = (sessionId: string, userId = 1): Identity => ({ userId, via: 'cookie', sessionId });
const token = (expiresAt: number, userId = 1, tokenVersion = 0): Identity => ({ userId, via: 'token', tokenVersion, expiresAt });

describe('CredentialBudgets: one token bucket per session or bearer token', () => {
  it('keeps the credentials of one user apart: a session, and each of its tokens', () => {
    const c = clock();
    const budgets = new CredentialBudgets({ rate: 1, burst: 1 }, c.now);
    expect(budgets.take(token(1_000))).toBe(0);
    expect(budgets.take(token(1_000))).toBe(1000);
    expect(budgets.take(token(2_000))).toBe(0);
    expect(budgets.take(session('s1'))).toBe(0);
    expect(budgets.take(session('s2'))).toBe(0);
    expect(budgets.take(session('s1'))).toBeGreaterThan(0);
  });

  it('names a credential by what it resolved to, never by the cookie or token itself', () => {
    expect(credentialOf(session('abc', 7))).toBe('session:abc');
    expect(credentialOf(token(5_000, 7, 3))).toBe('token:7:3:5000');
    expect(credentialOf({ userId: 7, via: 'cookie' })).toBe('cookie:7:-:-');
  });

  it('forgets credentials whose bucket has refilled', () => {
    const c = clock();
    const budgets = new CredentialBudgets({ rate: 1, burst: 2 }, c.now, 1_000);
    budgets.take(session('a'));
    budgets.take(session('b'));
    expect(budgets.size).toBe(2);
    c.t += 5_000;
    budgets.take(session('c'));
    expect(budgets.size).toBe(1);
  });
});
