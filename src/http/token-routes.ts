import { Router, type RequestHandler } from 'express';
import { revokeTokens } from '../auth/token-revocation.js';
import type { TokenService } from '../auth/token-service.js';
import { checkCredentials } from './auth-routes.js';
import { me, type HttpContext } from './context.js';
import { cookielessFromAnyOrigin } from './cross-site.js';
import { httpError } from './http-error.js';
import type { RouteChains } from './route-chains.js';
import { chargedToOwnCredential } from './user-rate-limit.js';

/** POST /api/auth/token (from a session or a password) and POST /api/auth/revoke. */
export function tokenRoutes(ctx: HttpContext, { open, signedIn }: RouteChains, tokens: TokenService, authLimiter: RequestHandler): Router {
  const r = Router();
  // Only a password attempt counts toward AUTH_RATE_LIMIT, as a login would: renewing with the cookie tries no password.
  const passwordAttempts: RequestHandler = (req, res, next) => (carriesCredentials(req.body) ? authLimiter(req, res, next) : next());

  r.post('/token', cookielessFromAnyOrigin, ...open, passwordAttempts, async (req, res) => {
    let userId: number;
    if (carriesCredentials(req.body)) {
      const user = await checkCredentials(ctx, req.body);
      if (!user) throw httpError('unauthorized', 'wrong username or password');
      userId = user.id;
    } else {
      const identity = await ctx.resolver.resolve(req);
      // A bearer token cannot mint another: a leaked token would otherwise live until the user revokes everything.
      if (identity?.via !== 'cookie') throw httpError('unauthorized', 'sign in first (session cookie), or send {username, password}');
      userId = identity.userId;
      // An authenticated write like any other: charged to the user's budget (a password attempt is AUTH_RATE_LIMIT's).
      ctx.rateLimit?.charge(req, res, identity);
    }
    res.status(201).json(await tokens.issue(userId));
  });

  r.post('/revoke', chargedToOwnCredential, ...signedIn, async (_req, res) => {
    await revokeTokens(tokens, ctx.manager, me(res).userId);
    res.status(204).end();
  });

  return r;
}

/** A body that tries a username or password (the password form of POST /token). */
function carriesCredentials(body: unknown): boolean {
  return typeof body === 'object' && body !== null && ('username' in body || 'password' in body);
}
