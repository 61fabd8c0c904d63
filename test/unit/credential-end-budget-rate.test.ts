/**
 * Mutant B2 (src/http/user-rate-limit.ts, CREDENTIAL_END_BUDGET): `rate: 1` -> `rate: 2`
 * survives test/unit/credential-budgets.test.ts and test/integration/http-rate-limit.test.ts:
 * they pin the burst (5) and that Retry-After is >= 1, which a 2/s refill also gives.
 * docs/contract.md ("HTTP rate limits"): logout and revoke are "charged to a small budget of
 * the credential that asks (... 5 at once, then 1 a second; `CREDENTIAL_END_BUDGET`...)".
 * This pins the refill: after the burst, nothing for a whole second, then exactly one.
 * Passes on the current code; fails with any other rate.
 */
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_END_BUDGET, UserRateLimit } from '../../src/http/user-rate-limit.js';
import type { Identity } from '../../src/websocket/session-resolver.js';

describe('logout/revoke budget of one credential: 5 at once, then 1 a second', () => {
  it('refills one request per second, not faster', () => {
    const clock = { t: 1_000_000 };
    // The user budgets off: only the credential's own budget is in play.
    const limit = new UserRateLimit({ sends: false, reads: false }, () => clock.t);
    const session: Identity = { userId: 1, via: 'cookie', sessionId: 's1' };
    const revoke = (): string => {
      const headers: Record<string, string> = {};
      const res = { locals: { endsOwnCredential: true }, setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as Response;
      try {
        limit.charge({ method: 'POST' } as Request, res, session);
        return 'ok';
      } catch (err) {
        return `${(err as { code?: string }).code} retry-after=${headers['Retry-After']}`;
      }
    };
    expect(CREDENTIAL_END_BUDGET).toEqual({ rate: 1, burst: 5 });
    expect(Array.from({ length: 6 }, revoke)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'rate_limited retry-after=1']);
    clock.t += 600; // a 2/s budget would have a token again here
    expect(revoke()).toBe('rate_limited retry-after=1');
    clock.t += 400; // one second after the burst: exactly one more
    expect(revoke()).toBe('ok');
    expect(revoke()).toMatch(/^rate_limited/);
  });
});
