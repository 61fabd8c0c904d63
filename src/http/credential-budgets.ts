import { UserBudgets, type RateBudget } from '../user-budgets.js';
import type { Identity } from '../websocket/session-resolver.js';

/**
 * One token bucket per credential (a session, a bearer token), for the
 * requests that end the credential they carry: logout and revoke. They are
 * never charged to the user's shared write budget, which every credential of
 * the user spends: a leaked token would otherwise keep it empty and its
 * victim could neither revoke it nor sign out. Only a request that resolved
 * to an identity gets here (a 401 costs no bucket), so memory follows the
 * credentials used recently; a refilled bucket is dropped, looked for at most
 * once per `sweepMs` (UserBudgets keyed by credential).
 */
export class CredentialBudgets {
  private readonly budgets: UserBudgets<string>;

  constructor(budget: RateBudget, now: () => number = Date.now, sweepMs = 10_000) {
    this.budgets = new UserBudgets<string>(budget, now, sweepMs);
  }

  /** Takes one request from the budget of the credential behind `identity`: 0 when admitted, else the milliseconds to wait. */
  take(identity: Identity): number {
    return this.budgets.take(credentialOf(identity));
  }

  /** Credentials holding a bucket (for tests). */
  get size(): number {
    return this.budgets.size;
  }
}

/**
 * Which credential a request carried, from what it resolved to (never the
 * cookie or token itself): a session by its id; a bearer token by what it was
 * issued as (user, token version, expiry), which tells the user's tokens
 * apart: two alike in all three were minted in the same second and are the
 * same token.
 */
export function credentialOf(identity: Identity): string {
  if (identity.via === 'cookie' && identity.sessionId !== undefined) return `session:${identity.sessionId}`;
  return `${identity.via}:${identity.userId}:${identity.tokenVersion ?? '-'}:${identity.expiresAt ?? '-'}`;
}
