import type { IncomingMessage } from 'node:http';
import type { RequestWithSession } from './express-session-resolver.js';

const VIEW = Symbol('parlor.ownSession');

/**
 * Where Parlor's own cookie session (its accounts) lives on a request: not
 * on `req.session`, which is the host's. A host app may run its own
 * express-session on every request, in front of Parlor's router, and
 * express-session leaves a request that already has `req.session` alone; on
 * that property Parlor's login would regenerate and write the host's
 * session, its logout destroy it, and a `userId` the host keeps there would
 * read as a Parlor account.
 *
 * Parlor's session middleware runs instead on this view: an object whose
 * prototype is the request (headers, cookies, URL, connection read through
 * it) with `session` and `sessionID` of its own, so express-session puts
 * Parlor's session here and the host's `req.session` is never read or
 * written. One view per request (kept under a private symbol), so the
 * account routes and the resolver of the same request see one session.
 */
export function ownSessionView(req: IncomingMessage): RequestWithSession {
  const holder = req as IncomingMessage & { [VIEW]?: RequestWithSession };
  return (holder[VIEW] ??= Object.create(req, {
    session: { value: undefined, writable: true, enumerable: true, configurable: true },
    sessionID: { value: undefined, writable: true, enumerable: true, configurable: true },
  }) as RequestWithSession);
}
