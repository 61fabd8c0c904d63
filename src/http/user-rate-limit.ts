import type { Request, Response } from 'express';
import { httpError } from './http-error.js';
import { UserBudgets, type RateBudget } from '../user-budgets.js';

/** Per-user HTTP budgets; `false` turns one off. */
export interface HttpRateLimitOptions {
  /** Every authenticated write (POST): messages, invitations, groups, broadcast... Default: the socket's budget (WS_RATE_LIMIT / WS_RATE_BURST). */
  sends?: RateBudget | false;
  /** Every authenticated read (GET): history, conversations, notifications... Default 20/s, 60 at once (HTTP_READ_RATE_LIMIT / HTTP_READ_BURST). */
  reads?: RateBudget | false;
}

export const DEFAULT_READ_BUDGET: RateBudget = { rate: 20, burst: 60 };

/**
 * Charges each authenticated request to its user, whatever carried the
 * identity (cookie or token) and however many requests are in parallel, so
 * that REST cannot out-send a socket and no account can hammer the expensive
 * reads. Per process: N instances behind a balancer allow up to N times the
 * budget. Over budget: 429 `rate_limited` with `Retry-After`.
 */
export class UserRateLimit {
  private readonly sends: UserBudgets | null;
  private readonly reads: UserBudgets | null;

  constructor(options: { sends: RateBudget | false; reads: RateBudget | false }, now: () => number = Date.now) {
    this.sends = options.sends ? new UserBudgets(options.sends, now) : null;
    this.reads = options.reads ? new UserBudgets(options.reads, now) : null;
  }

  /** Throws 429 when the user's budget for this kind of request is spent; each request is charged once. */
  charge(req: Request, res: Response, userId: number): void {
    if (res.locals.rateCharged) return;
    res.locals.rateCharged = true;
    const budgets = req.method === 'GET' || req.method === 'HEAD' ? this.reads : this.sends;
    const waitMs = budgets?.take(userId) ?? 0;
    if (waitMs === 0) return;
    res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
    const what = budgets === this.reads ? 'reads' : 'sends';
    throw httpError('rate_limited', `too many ${what}, slow down (at most ${budgets!.budget.rate} a second)`);
  }

  /** Charges `tokens` more to the user's read budget, after a read that cost that many (see UserBudgets.spend). */
  spendReads(userId: number, tokens: number): void {
    this.reads?.spend(userId, tokens);
  }
}
