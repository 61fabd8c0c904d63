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
    /** Asked after the token is signed, before it is answered (see `CheckedCredentials.stillValid`). */
    let stillValid: () => Promise<boolean>;
    if (carriesCredentials(req.body)) {
      const checked = await checkCredentials(ctx, req.body);
      if (!checked) throw httpError('unauthorized', 'wrong username or password');
      userId = checked.user.id;
      stillValid = checked.stillValid;
    } else {
      const identity = await ctx.resolver.resolve(req);
      // A bearer token cannot mint another: a leaked token would otherwise live until the user revokes everything.
      if (identity?.via !== 'cookie' || identity.sessionId === undefined) {
        throw httpError('unauthorized', 'sign in first (session cookie), or send {username, password}');
      }
      userId = identity.userId;
      // An authenticated write like any other: charged to the user's budget (a password attempt is AUTH_RATE_LIMIT's).
      ctx.rateLimit?.charge(req, res, identity);
      const sessionId = identity.sessionId;
      stillValid = async () => (await ctx.stores.sessions.liveSessionIds([sessionId])).length === 1;
    }
    const issued = await tokens.issue(userId);
    // A password change or log out everywhere revokes tokens after it deleted the sessions (src/auth/end-sign-ins.ts):
    // a token signed while its credential was still good is revoked by it, unless that credential is found ended here.
    if (!(await stillValid())) throw httpError('unauthorized', 'the credential ended while the token was made; sign in again');
    res.status(201).json(issued);
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
