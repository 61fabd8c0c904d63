import { Router, type RequestHandler } from 'express';
import { revokeTokens } from '../auth/token-revocation.js';
import type { TokenService } from '../auth/token-service.js';
import { checkCredentials } from './auth-routes.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import type { RouteChains } from './route-chains.js';

/** POST /api/auth/token (from a session or a password) and POST /api/auth/revoke. */
export function tokenRoutes(ctx: HttpContext, { open, signedIn }: RouteChains, tokens: TokenService, authLimiter: RequestHandler): Router {
  const r = Router();

  r.post('/token', ...open, authLimiter, async (req, res) => {
    const hasCredentials = req.body && typeof req.body === 'object' && ('username' in req.body || 'password' in req.body);
    let userId: number;
    if (hasCredentials) {
      const user = await checkCredentials(ctx, req.body);
      if (!user) throw httpError('unauthorized', 'wrong username or password');
      userId = user.id;
    } else {
      const identity = await ctx.resolver.resolve(req);
      // A bearer token cannot mint another: a leaked token would otherwise live until the user revokes everything.
      if (identity?.via !== 'cookie') throw httpError('unauthorized', 'sign in first (session cookie), or send {username, password}');
      userId = identity.userId;
    }
    res.status(201).json(await tokens.issue(userId));
  });

  r.post('/revoke', ...signedIn, async (_req, res) => {
    await revokeTokens(tokens, ctx.manager, me(res).userId);
    res.status(204).end();
  });

  return r;
}
