import type { Request, RequestHandler, Response } from 'express';
import { httpError } from './http-error.js';
import { CredentialBudgets } from './credential-budgets.js';
import { UserBudgets, type RateBudget } from '../user-budgets.js';
import type { Identity } from '../websocket/session-resolver.js';

/** Per-user HTTP budgets; `false` turns one off. */
export interface HttpRateLimitOptions {
  /** Every authenticated write (POST): messages, invitations, groups, broadcast... Default: the socket's budget (WS_RATE_LIMIT / WS_RATE_BURST). */
  sends?: RateBudget | false;
  /** Every authenticated read (GET): history, conversations, notifications... Default 20/s, 60 at once (HTTP_READ_RATE_LIMIT / HTTP_READ_BURST). */
  reads?: RateBudget | false;
}

export const DEFAULT_READ_BUDGET: RateBudget = { rate: 20, burst: 60 };

/** Logout and revoke, per credential that asks: a user signs out or revokes a few times, not a few times a second. */
export const CREDENTIAL_END_BUDGET: RateBudget = { rate: 1, burst: 5 };

/**
 * Put in front of a route that ends the credential it is called with (logout,
 * revoke): `requireUser` then charges the request to that credential's own
 * budget instead of the user's shared write budget, so no other credential of
 * the user (a leaked token) can spend it and starve the way to end that token.
 */
export const chargedToOwnCredential: RequestHandler = (_req, res, next) => {
  res.locals.endsOwnCredential = true;
  next();
};

/**
 * Charges each authenticated request to its user, whatever carried the
 * identity (cookie or token) and however many requests are in parallel, so
 * that REST cannot out-send a socket and no account can hammer the expensive
 * reads. Per process: N instances behind a balancer allow up to N times the
 * budget. Over budget: 429 `rate_limited` with `Retry-After`. The requests
 * that end their own credential (`chargedToOwnCredential`) are charged to
 * that credential instead (CREDENTIAL_END_BUDGET).
 */
export class UserRateLimit {
  private readonly sends: UserBudgets | null;
  private readonly reads: UserBudgets | null;
  private readonly credentialEnds: CredentialBudgets;

  constructor(options: { sends: RateBudget | false; reads: RateBudget | false }, now: () => number = Date.now) {
    this.sends = options.sends ? new UserBudgets(options.sends, now) : null;
    this.reads = options.reads ? new UserBudgets(options.reads, now) : null;
    this.credentialEnds = new CredentialBudgets(CREDENTIAL_END_BUDGET, now);
  }

  /** Throws 429 when the budget this request is charged to is spent; each request is charged once. */
  charge(req: Request, res: Response, identity: Identity): void {
    if (res.locals.rateCharged) return;
    res.locals.rateCharged = true;
    if (res.locals.endsOwnCredential) {
      refuseIfWaiting(res, this.credentialEnds.take(identity), 'sign-outs and revocations with this credential', CREDENTIAL_END_BUDGET);
      return;
    }
    const budgets = req.method === 'GET' || req.method === 'HEAD' ? this.reads : this.sends;
    if (!budgets) return;
    refuseIfWaiting(res, budgets.take(identity.userId), budgets === this.reads ? 'reads' : 'sends', budgets.budget);
  }

  /** Charges `tokens` more to the user's read budget, after a read that cost that many (see UserBudgets.spend). */
  spendReads(userId: number, tokens: number): void {
    this.reads?.spend(userId, tokens);
  }
}

function refuseIfWaiting(res: Response, waitMs: number, what: string, budget: RateBudget): void {
  if (waitMs === 0) return;
  res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
  throw httpError('rate_limited', `too many ${what}, slow down (at most ${budget.rate} a second)`);
}
