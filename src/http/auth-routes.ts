import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { ownSessionView } from '../session/own-session-view.js';
import '../session/session-data.js';
import type { User } from '../store/types.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.js';
import type { RouteChains } from './route-chains.js';
import { parse } from './validation.js';

export const Credentials = z.object({
  username: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, _ . -'),
  password: z.string().min(8).max(1024),
});

/** Checks a username and password; null when either is wrong (same cost either way). */
export async function checkCredentials(ctx: HttpContext, body: unknown): Promise<User | null> {
  const { username, password } = parse(Credentials, body);
  const user = await ctx.stores.users.findByUsername(username);
  const hash = user?.passwordHash ?? (await dummyPasswordHash(ctx.hashParams));
  const ok = await verifyPassword(password, hash);
  return ok && user ? { id: user.id, username: user.username } : null;
}

/**
 * Replaces Parlor's session id (no fixation) and signs the user in; a host's
 * `req.session` is not touched. A signed-in session it replaces (a login
 * over another login) is gone from the store, so its sockets close now, as
 * at logout, instead of at the next re-check (SESSION_RECHECK_MS).
 */
async function signIn(ctx: HttpContext, req: Request, user: User): Promise<void> {
  const own = ownSessionView(req);
  const replaced = own.session?.userId !== undefined ? own.sessionID : undefined;
  await new Promise<void>((resolve, reject) =>
    own.session!.regenerate((err) => {
      if (err) return reject(err);
      own.session!.userId = user.id;
      own.session!.username = user.username;
      own.session!.save((e) => (e ? reject(e) : resolve()));
    }),
  );
  if (replaced) ctx.manager.closeSession(replaced);
}

/** Parlor's own accounts; `open` includes Parlor's session middleware here. Mounted only when Parlor owns sessions. */
export function authRoutes(ctx: HttpContext, { open, signedIn }: RouteChains, authLimiter: RequestHandler): Router {
  const r = Router();

  r.post('/register', ...open, authLimiter, async (req, res) => {
    const { username, password } = parse(Credentials, req.body);
    const user = await ctx.stores.users.createUser(username, await hashPassword(password, ctx.hashParams));
    await signIn(ctx, req, user);
    res.status(201).json({ id: user.id, username: user.username });
  });

  r.post('/login', ...open, authLimiter, async (req, res) => {
    const user = await checkCredentials(ctx, req.body);
    if (!user) throw httpError('unauthorized', 'wrong username or password');
    await signIn(ctx, req, user);
    res.json({ id: user.id, username: user.username });
  });

  r.post('/logout', ...signedIn, async (req, res) => {
    const { sessionId, via } = me(res);
    if (via !== 'cookie' || !sessionId) throw httpError('unauthorized', 'logout ends a cookie session; revoke tokens instead');
    await new Promise<void>((resolve, reject) => ownSessionView(req).session!.destroy((err) => (err ? reject(err) : resolve())));
    ctx.manager.closeSession(sessionId);
    res.clearCookie(ctx.cookieName, { path: '/' });
    res.status(204).end();
  });

  r.get('/me', ...signedIn, async (_req, res) => {
    const user = await ctx.stores.users.findById(me(res).userId);
    if (!user) throw httpError('unauthorized', 'the account no longer exists');
    res.json({ id: user.id, username: user.username });
  });

  return r;
}
