import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Session, SessionData, Store } from 'express-session';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';
import { type StillSignedIn, sessionsStillIn } from './express-store-liveness.js';
import { boundsItsOwnCalls } from '../interface-failure.js';
import { asUserId } from '../user-id.js';
import { RecordedStores } from './recorded-stores.js';

/** A request after express-session ran on it. */
export type RequestWithSession = IncomingMessage & { session?: Session & Partial<SessionData>; sessionID?: string; sessionStore?: Store };

/**
 * Reads the user id out of the host's session; null or undefined for "nobody
 * signed in". Declared with the session alone (`(session) => ...`), it is
 * also what the session re-check asks of the session the store holds now, so
 * a logout that clears the id from a session it keeps ends that session's
 * sockets too. Declared with the request as well (`(session, req) => ...`),
 * the re-check cannot ask it (no request is being served) and only checks
 * that the session still exists.
 */
export type UserIdOf = (session: HostSession, req: IncomingMessage) => unknown;

/**
 * The host's session as `userIdOf` sees it: express-session's, with whatever
 * fields the host keeps in it readable without a `declare module` of its own
 * (contract section 4's `(session) => session.userId` type-checks as it is).
 */
export type HostSession = Session & Partial<SessionData> & { readonly [field: string]: unknown };

export interface ExpressSessionResolverOptions {
  /**
   * The session cookie's name (express-session's `name`, default `connect.sid`).
   * While the store is disconnected, a request carrying it is an outage (503)
   * rather than a signed-out visitor (401).
   */
  cookieName?: string;
  /** The username to put in the identity (Parlor's own accounts keep it in the session). */
  usernameOf?: (session: Session & Partial<SessionData>) => string | undefined;
  /**
   * Where the session re-check looks (`stillValid`): every SESSION_RECHECK_MS,
   * one `store.get` per session with a socket open, and the sockets of the
   * sessions it no longer finds (destroyed by any process, or expired), or
   * finds signed in as nobody or as another user (a `userIdOf` of the session
   * alone, see UserIdOf), close with 4401; a get that fails or takes over 5 s
   * closes nothing. Default:
   * for each session, the store express-session named on the request that
   * resolved it (`req.sessionStore`). `false`: no re-check; sockets then end
   * only by `parlor.disconnectSession` and `disconnectUser`.
   */
  store?: Store | false;
}

/**
 * Authenticates with the host's own express-session middleware, any store
 * (ws `examples/express-session-parse`): on an HTTP request that has no
 * `req.session` yet, and on the `'upgrade'` request (where Express middleware
 * never runs), it runs the middleware itself, then asks `userIdOf` who it is.
 *
 * It only reads: it gives the middleware a response that can send nothing,
 * so no cookie is set and no new session is saved by Parlor; the re-check
 * (`options.store`) only calls the store's `get`.
 */
export function expressSessionResolver(
  middleware: RequestHandler,
  userIdOf: UserIdOf,
  options: ExpressSessionResolverOptions = {},
): SessionResolver {
  const reader = sessionResolverOn((req) => req as RequestWithSession, middleware, userIdOf, options);
  if (options.store === false) return reader;
  const fixed = options.store;
  // Each session is asked of the store that served it (a host may pick a store per request: per tenant, say),
  // and compared with the user its sockets opened as: the Manager's answer (`openedAs`), which counts only the
  // sockets it added. The user of every resolved upgrade would not do: an upgrade refused after the lookup
  // (a foreign Origin, a budget, a client gone) would make the session look as expected, and the earlier
  // user's sockets would outlive a switch.
  // Only upgrades are recorded (sockets come from nothing else). The record is shared by every mount this
  // resolver serves and forgotten by age, not by what one re-check asks (RecordedStores).
  const stores = new RecordedStores();
  // stillValid bounds each store get itself (sessionsStillIn): the host-interface deadline does not cut off the batch.
  return boundsItsOwnCalls<SessionResolver>({
    async resolve(req) {
      const identity = await reader.resolve(req);
      const store = fixed ?? (req as RequestWithSession).sessionStore;
      if (identity?.sessionId !== undefined && store && req.headers.upgrade !== undefined) stores.record(identity.sessionId, store);
      return identity;
    },
    async stillValid(sessionIds, openedAs) {
      const storeOf = stores.ask(sessionIds);
      const stillSignedIn = signedInCheck(userIdOf, openedAs ?? (() => undefined));
      const byStore = new Map<Store, string[]>();
      const live: string[] = [];
      for (const id of sessionIds) {
        const store = storeOf.get(id);
        // No store seen for it (a cookie-only session such as cookie-session): nothing to ask, nothing ends.
        if (!store) live.push(id);
        else if (byStore.has(store)) byStore.get(store)!.push(id);
        else byStore.set(store, [id]);
      }
      for (const [store, ids] of byStore) live.push(...(await sessionsStillIn(store, ids, { stillSignedIn })));
      return live;
    },
  }, 'stillValid');
}

/**
 * The re-check's second question, after "does the store still hold it": is
 * the user its sockets opened as still the one signed in? Asked only of a
 * `userIdOf` declared with the session alone (`length < 2`, the way Express
 * tells an error handler by its arity): one that reads the request cannot be
 * asked without one. A `userIdOf` that throws on the stored data leaves the
 * session to the first question alone, as does a session opened before any
 * user was recorded. It is handed a copy of what the store holds, with the
 * session's `id`; not a Session: its methods and a `Cookie` are not there.
 */
function signedInCheck(userIdOf: UserIdOf, openedAs: (sessionId: string) => number | undefined): StillSignedIn {
  if (userIdOf.length >= 2) return () => true;
  return (sessionId, data) => {
    const expected = openedAs(sessionId);
    if (expected === undefined) return true;
    // A copy, with the id express-session's Session carries (non-enumerable, as there): a userIdOf may read
    // `session.id`, and must not change what a store that hands out its own object keeps.
    const session = Object.defineProperty({ ...data }, 'id', { value: sessionId, enumerable: false });
    let now: unknown;
    try {
      now = userIdOf(session as unknown as HostSession, undefined as never);
    } catch {
      return true;
    }
    return asUserId(now) === expected;
  };
}

/**
 * The same resolver, reading the session the middleware puts on
 * `holderOf(req)` instead of on the request itself: Parlor's own session,
 * which lives on its own view of the request (own-session-view.ts).
 */
export function sessionResolverOn(
  holderOf: (req: IncomingMessage) => RequestWithSession,
  middleware: RequestHandler,
  userIdOf: UserIdOf,
  options: ExpressSessionResolverOptions = {},
): SessionResolver {
  if (typeof middleware !== 'function') throw new TypeError('expressSessionResolver: middleware must be the express-session middleware');
  if (typeof userIdOf !== 'function') throw new TypeError('expressSessionResolver: userIdOf must be a function (session, req) => user id');
  const cookieName = options.cookieName ?? 'connect.sid';
  return {
    async resolve(req: IncomingMessage): Promise<Identity | null> {
      const r = holderOf(req);
      if (!r.session) await runMiddleware(middleware, r);
      if (!r.session) {
        // express-session leaves req.session unset while its store is disconnected.
        if (carriesCookie(req, cookieName)) throw new Error('session store disconnected');
        return null;
      }
      const userId = asUserId(userIdOf(r.session as HostSession, req));
      if (userId === null) return null;
      const identity: Identity = { userId, sessionId: r.sessionID, via: 'cookie' };
      const username = options.usernameOf?.(r.session);
      if (username !== undefined) identity.username = username;
      return identity;
    },
  };
}

/** A positive safe integer (a numeric string is accepted), else null. */
function carriesCookie(req: IncomingMessage, name: string): boolean {
  return req.headers.cookie?.split(';').some((c) => c.trim().startsWith(`${name}=`)) ?? false;
}

/**
 * A response the middleware may call but that writes nothing and never ends,
 * so nothing is saved. A new one each time: express-session replaces its `end`.
 */
function readOnlyResponse(): ServerResponse {
  return { getHeader() {}, setHeader() {}, on() {}, once() {}, end() {}, writeHead() {} } as unknown as ServerResponse;
}

function runMiddleware(middleware: RequestHandler, req: RequestWithSession): Promise<void> {
  return new Promise((resolve, reject) => {
    middleware(req as never, readOnlyResponse() as never, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}
