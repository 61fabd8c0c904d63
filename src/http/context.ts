import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import type { ConversationStore, NotificationStore, Stores } from '../store/types.js';
import type { Manager } from '../websocket/manager.js';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';
import { httpError } from './http-error.js';
import type { UserRateLimit } from './user-rate-limit.js';

/** What every route module is built from. */
export interface HttpContext {
  stores: Stores;
  /** Where the conversation list is read (src/composition/list-reads.ts); absent: the route falls through. */
  conversations?: ConversationStore;
  /** Where the notifications are read and marked; absent: those routes fall through. */
  notifications?: NotificationStore;
  manager: Manager;
  /**
   * Notifications are stored in Parlor's stores (no host MessagePersister):
   * a write may store its notification in its own transaction (an
   * invitation). Otherwise they go through the persister, after the write.
   */
  ownNotifications: boolean;
  /** The same resolver the upgrade uses: the session cookie (the host's or Parlor's) first, then bearer token. */
  resolver: SessionResolver;
  logger: Logger;
  /** Usernames allowed to broadcast. */
  isAdmin: (identity: Identity) => boolean | Promise<boolean>;
  /** The origin policy of cookie credentials, shared with the `/ws` upgrade. */
  isOriginAllowed: (req: IncomingMessage) => boolean;
  /** scrypt parameters for new password hashes. */
  hashParams: { N: number; r: number; p: number };
  /** Name of Parlor's session cookie. */
  cookieName: string;
  /** Per-user budgets of authenticated requests; none: unlimited. */
  rateLimit?: UserRateLimit;
}

/**
 * 401 unless the request carries a valid session cookie or bearer token (charged to no budget); 429 once that
 * user's budget is spent, or, behind `chargedToOwnCredential`, the budget of the credential it carries.
 */
export function requireUser(ctx: HttpContext): RequestHandler {
  return async (req, res, next) => {
    const identity = await ctx.resolver.resolve(req);
    if (!identity) throw httpError('unauthorized', 'sign in first');
    res.locals.identity = identity;
    ctx.rateLimit?.charge(req, res, identity);
    next();
  };
}

/** The authenticated identity; only valid behind `requireUser`. */
export function me(res: Response): Identity {
  return res.locals.identity as Identity;
}
