import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { hasLoneSurrogate } from '../lone-surrogate.js';
import { ownSessionView } from '../session/own-session-view.js';
import '../session/session-data.js';
import type { User, UserWithSecret } from '../store/types.js';
import { PASSWORD_LENGTH, USERNAME_CHARACTERS, USERNAME_LENGTH } from '../wire-limits.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import { fromAccounts, sessionStoreFailure } from './session-store-failure.js';
import { dummyPasswordHash, hashedWithOtherParams, hashPassword, verifyAccountPassword } from './password.js';
import type { RouteChains } from './route-chains.js';
import { chargedToOwnCredential } from './user-rate-limit.js';
import { parse } from './validation.js';

/** A 400 names the field and its whole rule, which the demo page shows as it is: a person reads what to change. */
const USERNAME_RULE = `must be ${USERNAME_LENGTH.min} to ${USERNAME_LENGTH.max} characters, only letters, digits, _ . -`;
const PASSWORD_RULE = `must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`;
/** scrypt hashes the UTF-8 form, where every lone surrogate is U+FFFD: `a\ud800` and `a\udc00` would be one password. */
const PASSWORD_TEXT_RULE = 'must be valid Unicode text (no lone surrogates)';

export const Credentials = z.object({
  username: z
    .string()
    .min(USERNAME_LENGTH.min, USERNAME_RULE)
    .max(USERNAME_LENGTH.max, USERNAME_RULE)
    .regex(USERNAME_CHARACTERS, USERNAME_RULE),
  password: z
    .string()
    .min(PASSWORD_LENGTH.min, PASSWORD_RULE)
    .max(PASSWORD_LENGTH.max, PASSWORD_RULE)
    .refine((s) => !hasLoneSurrogate(s), PASSWORD_TEXT_RULE),
});

/**
 * Checks a username and password; null when either is wrong (at least the
 * current cost either way, even for an account hashed at an old one: see
 * verifyAccountPassword). A right password whose hash has other parameters
 * than the current ones is rehashed with them (rehashOutdated).
 */
export async function checkCredentials(ctx: HttpContext, body: unknown): Promise<User | null> {
  const { username, password } = parse(Credentials, body);
  const user = await fromAccounts(ctx.logger, () => ctx.stores.users.findByUsername(username));
  const hash = user?.passwordHash ?? (await dummyPasswordHash(ctx.hashParams));
  const ok = await verifyAccountPassword(password, hash, ctx.hashParams);
  if (!ok || !user) return null;
  await rehashOutdated(ctx, user, password);
  return { id: user.id, username: user.username };
}

/**
 * Stores the password hashed with the current parameters when its stored
 * hash was made with others (PASSWORD_HASH_COST changed since): a raised
 * cost reaches every account as its owner logs in. A failure is logged
 * (no credential in it) and the login goes on: the old hash still works.
 */
async function rehashOutdated(ctx: HttpContext, user: UserWithSecret, password: string): Promise<void> {
  if (!hashedWithOtherParams(user.passwordHash, ctx.hashParams)) return;
  try {
    const passwordHash = await hashPassword(password, ctx.hashParams);
    await ctx.stores.users.updatePasswordHash(user.id, passwordHash);
  } catch (err) {
    ctx.logger.warn({ err, userId: user.id }, 'could not store the password rehashed with the current PASSWORD_HASH_COST; the old hash stays');
  }
}

/**
 * Parlor's session for this request, or a 503 when its store is down. The
 * router lets a request with an `Authorization` header through without a
 * session (a bearer token needs no store), so register and login ask here,
 * before they write or check anything.
 */
function ownSession(ctx: HttpContext, req: Request): NonNullable<Request['session']> {
  const session = ownSessionView(req).session;
  if (!session) throw sessionStoreFailure(ctx.logger, new Error('session store disconnected'));
  return session;
}

/**
 * Replaces Parlor's session id (no fixation) and signs the user in; a host's
 * `req.session` is not touched. A signed-in session it replaces (a login
 * over another login) is gone from the store once regenerate destroyed it,
 * so its sockets close now, as at logout, instead of at the next re-check
 * (SESSION_RECHECK_MS): even when the new session then cannot be saved. A
 * store that fails to regenerate or save is a 503.
 */
async function signIn(ctx: HttpContext, req: Request, user: User): Promise<void> {
  const own = ownSessionView(req);
  const session = ownSession(ctx, req);
  const replaced = session.userId !== undefined ? own.sessionID : undefined;
  let replacedGone = false;
  try {
    await new Promise<void>((resolve, reject) =>
      session.regenerate((err) => {
        if (err) return reject(err);
        replacedGone = true;
        own.session!.userId = user.id;
        own.session!.username = user.username;
        own.session!.save((e) => (e ? reject(e) : resolve()));
      }),
    );
  } catch (err) {
    throw sessionStoreFailure(ctx.logger, err);
  } finally {
    if (replaced && replacedGone) ctx.manager.closeSession(replaced);
  }
}

/** Parlor's own accounts; `open` includes Parlor's session middleware here. Mounted only when Parlor owns sessions. */
export function authRoutes(ctx: HttpContext, { open, signedIn }: RouteChains, authLimiter: RequestHandler): Router {
  const r = Router();

  r.post('/register', ...open, authLimiter, async (req, res) => {
    const { username, password } = parse(Credentials, req.body);
    ownSession(ctx, req);
    const passwordHash = await hashPassword(password, ctx.hashParams);
    const user = await fromAccounts(ctx.logger, () => ctx.stores.users.createUser(username, passwordHash));
    try {
      await signIn(ctx, req, user);
    } catch (err) {
      // Nothing half-written: an account whose session could not be saved is undone, so the retry is no 409.
      await Promise.resolve(ctx.stores.users.deleteUser(user.id)).then(
        () => {
          // The same credentials may have signed in meanwhile (a second tab's login or token): what they got goes with
          // the account. No cache still confirms it, and its sockets close (4401), even one whose upgrade is under way.
          ctx.manager.invalidate({ userId: user.id });
          ctx.manager.disconnect({ userId: user.id });
        },
        (undoErr: unknown) =>
          ctx.logger.error({ err: undoErr, userId: user.id }, 'could not undo an account whose session was not saved; it stays, and can log in'),
      );
      throw err;
    }
    res.status(201).json({ id: user.id, username: user.username });
  });

  r.post('/login', ...open, authLimiter, async (req, res) => {
    ownSession(ctx, req);
    const user = await checkCredentials(ctx, req.body);
    if (!user) throw httpError('unauthorized', 'wrong username or password');
    await signIn(ctx, req, user);
    res.json({ id: user.id, username: user.username });
  });

  r.post('/logout', chargedToOwnCredential, ...signedIn, async (req, res) => {
    const { sessionId, via } = me(res);
    if (via !== 'cookie' || !sessionId) throw httpError('unauthorized', 'logout ends a cookie session; revoke tokens instead');
    // Taken first: a missing session is already its 503 (logged once), not wrapped again as a failed destroy.
    const session = ownSession(ctx, req);
    await new Promise<void>((resolve, reject) => session.destroy((err) => (err ? reject(err) : resolve()))).catch((err: unknown) => {
      throw sessionStoreFailure(ctx.logger, err);
    });
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
