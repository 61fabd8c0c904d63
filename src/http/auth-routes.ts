import { Router, type Request, type RequestHandler } from 'express';
import type { Store } from 'express-session';
import { z } from 'zod';
import { endOtherSignIns, logOutEverywhere, SignInsNotEnded } from '../auth/end-sign-ins.js';
import type { TokenService } from '../auth/token-service.js';
import { hasLoneSurrogate } from '../lone-surrogate.js';
import type { RequestWithSession } from '../session/express-session-resolver.js';
import { ownSessionView } from '../session/own-session-view.js';
import '../session/session-data.js';
import type { User, UserWithSecret } from '../store/types.js';
import type { KeptSession } from '../websocket/disconnect-order.js';
import { atLeastCharacters, PASSWORD_LENGTH, USERNAME_CHARACTERS, USERNAME_LENGTH, withinCharacters } from '../wire-limits.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import { fromAccounts, sessionStoreFailure } from './session-store-failure.js';
import { dummyPasswordHash, hashedForm, hashedWithOtherParams, hashPassword, verifyAccountPassword } from './password.js';
import type { RouteChains } from './route-chains.js';
import { chargedToOwnCredential } from './user-rate-limit.js';
import { parse } from './validation.js';

/** A 400 names the field and its whole rule, which the demo page shows as it is: a person reads what to change. */
const USERNAME_RULE = `must be ${USERNAME_LENGTH.min} to ${USERNAME_LENGTH.max} characters, only letters, digits, _ . -`;
const PASSWORD_RULE = `must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`;
/** scrypt hashes the UTF-8 form, where every lone surrogate is U+FFFD: `a\ud800` and `a\udc00` would be one password. */
const PASSWORD_TEXT_RULE = 'must be valid Unicode text (no lone surrogates)';

const Username = z
  .string()
  .min(USERNAME_LENGTH.min, USERNAME_RULE)
  .max(USERNAME_LENGTH.max, USERNAME_RULE)
  .regex(USERNAME_CHARACTERS, USERNAME_RULE);

/**
 * A password that becomes an account's (register, a new password):
 * PASSWORD_LENGTH counted in characters (code points: eight emoji are eight
 * characters), of valid Unicode text. The least length is counted on the form
 * that is hashed (hashedForm, NFKC): eight decomposed Hangul jamo compose to
 * three syllables, a three-character password. The upper bound is counted
 * first, on the text as given and only as far as it goes, so a long string
 * costs no more than the bound and is never normalized.
 */
const NewPassword = z
  .string()
  .refine((s) => withinCharacters(s, PASSWORD_LENGTH.max) && atLeastCharacters(hashedForm(s), PASSWORD_LENGTH.min), PASSWORD_RULE)
  .refine((s) => !hasLoneSurrogate(s), PASSWORD_TEXT_RULE);

/**
 * A password checked against an account's (login, a token by password, the
 * current password of a change): the same bound and text rule, but its least
 * length is met either as PASSWORD_LENGTH.min UTF-16 units, what register
 * counted before it counted characters, or as NewPassword counts it (the
 * NFKC form's characters: four "ﬁ" ligatures are "fifififi"). A password of
 * four emoji (eight units) registered then still signs in; anything this
 * refuses is short under every count register ever used, so it is still a
 * 400 before any lookup or hashing.
 */
const GivenPassword = z
  .string()
  .refine(
    (s) => withinCharacters(s, PASSWORD_LENGTH.max) && (s.length >= PASSWORD_LENGTH.min || atLeastCharacters(hashedForm(s), PASSWORD_LENGTH.min)),
    PASSWORD_RULE,
  )
  .refine((s) => !hasLoneSurrogate(s), PASSWORD_TEXT_RULE);

/** Register's body. */
export const Registration = z.object({ username: Username, password: NewPassword });

/** Login's body, and a token's by password. */
export const Credentials = z.object({ username: Username, password: GivenPassword });

/** POST /api/auth/password's body. */
const PasswordChange = z.object({ current_password: GivenPassword, new_password: NewPassword });

/**
 * Whether `password` is the account's, at least the current cost either way:
 * an unknown account (null) is checked against the dummy hash, and one hashed
 * at an old cost also against the current one (verifyAccountPassword).
 */
async function passwordMatches(ctx: HttpContext, account: UserWithSecret | null, password: string): Promise<boolean> {
  const hash = account?.passwordHash ?? (await dummyPasswordHash(ctx.hashParams));
  const ok = await verifyAccountPassword(password, hash, ctx.hashParams);
  return ok && account !== null;
}

/**
 * A username and password checked (checkCredentials): the user, and
 * `stillValid`, which tells whether that password is still the account's.
 */
export interface CheckedCredentials {
  user: User;
  /**
   * Asked once the sign-in it allows is written (a session saved, a token
   * signed), before it is answered: a password change that stored its new
   * hash after the check ends only the sign-ins that exist when it ends them
   * (src/auth/end-sign-ins.ts), so one written after that would outlive it.
   * When the hash is still the one checked (or this login's own rehash of
   * it), no hashing; when it changed, whether the password matches the new
   * one (another login's rehash of the same password does).
   */
  stillValid(): Promise<boolean>;
}

/**
 * Checks a username and password; null when either is wrong (passwordMatches).
 * A right password whose hash has other parameters than the current ones is
 * rehashed with them (rehashOutdated).
 */
export async function checkCredentials(ctx: HttpContext, body: unknown): Promise<CheckedCredentials | null> {
  const { username, password } = parse(Credentials, body);
  const account = await fromAccounts(ctx.logger, () => ctx.stores.users.findByUsername(username));
  if (!(await passwordMatches(ctx, account, password)) || !account) return null;
  const checked = (await rehashOutdated(ctx, account, password)) ?? account.passwordHash;
  const stillValid = async () => {
    const now = await fromAccounts(ctx.logger, () => ctx.stores.users.findById(account.id));
    return now !== null && (now.passwordHash === checked || (await passwordMatches(ctx, now, password)));
  };
  return { user: { id: account.id, username: account.username }, stillValid };
}

/**
 * Stores the password hashed with the current parameters when its stored
 * hash was made with others (PASSWORD_HASH_COST changed since): a raised
 * cost reaches every account as its owner logs in. A failure is logged
 * (no credential in it) and the login goes on: the old hash still works.
 * Resolves with the hash it stored, if it stored one.
 */
async function rehashOutdated(ctx: HttpContext, user: UserWithSecret, password: string): Promise<string | undefined> {
  if (!hashedWithOtherParams(user.passwordHash, ctx.hashParams)) return undefined;
  try {
    const passwordHash = await hashPassword(password, ctx.hashParams);
    // Only over the hash just verified: a password changed meanwhile stays changed.
    return (await ctx.stores.users.updatePasswordHash(user.id, passwordHash, user.passwordHash)) ? passwordHash : undefined;
  } catch (err) {
    ctx.logger.warn({ err, userId: user.id }, 'could not store the password rehashed with the current PASSWORD_HASH_COST; the old hash stays');
    return undefined;
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
 * store that fails to regenerate or save is a 503. Resolves with the new
 * session id.
 */
async function signIn(ctx: HttpContext, req: Request, user: User): Promise<string> {
  const own = ownSessionView(req);
  const session = ownSession(ctx, req);
  const replaced = session.userId !== undefined ? own.sessionID : undefined;
  let replacedGone = false;
  try {
    await new Promise<void>((resolve, reject) =>
      session.regenerate((err) => {
        if (err) return reject(err);
        replacedGone = true;
        saveSignedIn(own, user).then(resolve, reject);
      }),
    );
  } catch (err) {
    throw sessionStoreFailure(ctx.logger, err);
  } finally {
    if (replaced && replacedGone) ctx.manager.closeSession(replaced);
  }
  return own.session!.id;
}

/** Signs `user` into the view's session (a new one: signIn, renewOwnSession) and saves it. */
function saveSignedIn(own: RequestWithSession, user: User): Promise<void> {
  own.session!.userId = user.id;
  own.session!.username = user.username;
  return new Promise((resolve, reject) => own.session!.save((e) => (e ? reject(e) : resolve())));
}

/**
 * A password change's new session id for the signed-in session (no
 * fixation): a new session is made and saved on Parlor's view as
 * `regenerate` would (express-session's `store.generate`), but the old id is
 * not destroyed first. It stays in the store until endOtherSignIns has told
 * every instance the sockets' new id and then deletes it with the user's
 * other sessions: a session re-check meanwhile finds one id or the other
 * alive, never neither. A store that fails to save is a 503, and the request
 * keeps its old session (nothing new is answered or saved for it). Resolves
 * with the old and the new id.
 */
async function renewOwnSession(ctx: HttpContext, req: Request, user: User): Promise<KeptSession> {
  const own = ownSessionView(req);
  const old = { session: ownSession(ctx, req), sessionID: own.sessionID! };
  const store = own.sessionStore as (Store & { generate?(req: RequestWithSession): void }) | undefined;
  if (!store?.generate) throw sessionStoreFailure(ctx.logger, new Error('express-session gave the session store no generate()'));
  store.generate(own);
  try {
    await saveSignedIn(own, user);
  } catch (err) {
    own.session = old.session;
    own.sessionID = old.sessionID;
    throw sessionStoreFailure(ctx.logger, err);
  }
  return { sessionId: old.sessionID, renamedTo: own.sessionID! };
}

/** Deletes this request's Parlor session (logout); a failing store is a 503. */
async function destroyOwnSession(ctx: HttpContext, req: Request): Promise<void> {
  // Taken first: a missing session is already its 503 (logged once), not wrapped again as a failed destroy.
  const session = ownSession(ctx, req);
  await new Promise<void>((resolve, reject) => session.destroy((err) => (err ? reject(err) : resolve()))).catch((err: unknown) => {
    throw sessionStoreFailure(ctx.logger, err);
  });
}

/** A step of a password change after its new hash was stored failed: 503, and the client is told what holds already. */
function signInsNotEnded(ctx: HttpContext, userId: number, err: unknown): Error {
  ctx.logger.error({ err, userId }, 'password change: the new password is stored, but other sessions or tokens of the user may still be valid');
  return httpError(
    'unavailable',
    'the new password is stored, but other sessions or tokens may still be signed in: sign in with the new password if needed, then POST /api/auth/logout-all',
  );
}

/** Parlor's own accounts; `open` includes Parlor's session middleware here. Mounted only when Parlor owns sessions. */
export function authRoutes(
  ctx: HttpContext,
  { open, signedIn }: RouteChains,
  limits: { perAddress: RequestHandler; perUser: RequestHandler },
  tokens?: TokenService,
): Router {
  const authLimiter = limits.perAddress;
  const r = Router();

  r.post('/register', ...open, authLimiter, async (req, res) => {
    const { username, password } = parse(Registration, req.body);
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
    const checked = await checkCredentials(ctx, req.body);
    if (!checked) throw httpError('unauthorized', 'wrong username or password');
    const { user } = checked;
    const sessionId = await signIn(ctx, req, user);
    if (!(await checked.stillValid())) {
      // A password change stored its new hash during this login and may have ended the user's sessions before this
      // one was saved: it goes too, as that change would have ended it.
      await destroyOwnSession(ctx, req);
      ctx.manager.closeSession(sessionId);
      res.clearCookie(ctx.cookieName, { path: '/' });
      throw httpError('unauthorized', 'the password changed while signing in; sign in with the new one');
    }
    res.json({ id: user.id, username: user.username });
  });

  r.post('/logout', chargedToOwnCredential, ...signedIn, async (req, res) => {
    const { sessionId, via } = me(res);
    if (via !== 'cookie' || !sessionId) throw httpError('unauthorized', 'logout ends a cookie session; revoke tokens instead');
    await destroyOwnSession(ctx, req);
    ctx.manager.closeSession(sessionId);
    res.clearCookie(ctx.cookieName, { path: '/' });
    res.status(204).end();
  });

  // Beyond the contract's routes (docs/contract.md, "Beyond the contract: password change and log out everywhere"). Both end a
  // credential, so they are charged to the one they are called with, as logout is.
  r.post('/password', chargedToOwnCredential, ...signedIn, authLimiter, limits.perUser, async (req, res) => {
    const { current_password, new_password } = parse(PasswordChange, req.body);
    const { userId, via, sessionId } = me(res);
    const cookieSession = via === 'cookie' && sessionId !== undefined;
    if (cookieSession) ownSession(ctx, req); // its 503 before anything is checked or written
    const account = await fromAccounts(ctx.logger, () => ctx.stores.users.findById(userId));
    if (!account) throw httpError('unauthorized', 'the account no longer exists');
    // Signed in, so no 401 (a client would take it for the end of its session): the same check and cost as a login's.
    if (!(await passwordMatches(ctx, account, current_password))) throw httpError('forbidden', 'current_password is not your password');

    // 1. The new hash, over the one just verified; nothing else has happened when this fails.
    const passwordHash = await hashPassword(new_password, ctx.hashParams);
    const stored = await fromAccounts(ctx.logger, () => ctx.stores.users.updatePasswordHash(userId, passwordHash, account.passwordHash));
    if (!stored) throw httpError('conflict', 'the password changed while this request ran (another change, or a sign-in rehashing it); try again');

    // 2. This session gets a new id and stays signed in; 3. every other sign-in ends (endOtherSignIns).
    let kept: KeptSession | undefined;
    try {
      kept = cookieSession ? await renewOwnSession(ctx, req, account) : undefined;
    } catch (err) {
      throw signInsNotEnded(ctx, userId, err);
    }
    try {
      await endOtherSignIns({ sessions: ctx.stores.sessions, tokens, manager: ctx.manager }, userId, kept);
    } catch (err) {
      throw signInsNotEnded(ctx, userId, err);
    }
    res.status(204).end();
  });

  r.post('/logout-all', chargedToOwnCredential, ...signedIn, async (req, res) => {
    const { userId, via, sessionId } = me(res);
    const cookieSession = via === 'cookie' && sessionId !== undefined;
    if (cookieSession) ownSession(ctx, req); // its 503 before anything is written
    // The asking session goes last, so a failure before leaves it able to ask again (logOutEverywhere). Deleted
    // through the request's own session: express-session then writes nothing back for it (no touch of the row).
    const asking = cookieSession ? { sessionId, destroy: () => destroyOwnSession(ctx, req) } : undefined;
    try {
      await logOutEverywhere({ sessions: ctx.stores.sessions, tokens, manager: ctx.manager }, userId, asking);
    } catch (err) {
      const askingEnded = err instanceof SignInsNotEnded && err.askingEnded;
      ctx.logger.warn({ err, userId, askingEnded }, 'log out everywhere failed midway; a retry ends what is left');
      if (!askingEnded) throw httpError('unavailable', 'not every session or token could be ended; try again');
      res.clearCookie(ctx.cookieName, { path: '/' });
      throw httpError('unavailable', 'this session has ended, but not every token could be revoked: sign in again, then POST /api/auth/logout-all again');
    }
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
