import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { httpError } from './http-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery: a write that a browser could send with the
 * session cookie from another origin (a form, a `fetch` from a sibling
 * subdomain or another port) is refused with 403, by the same origin policy
 * as the cookie-authenticated `/ws` upgrade. A request without an Origin
 * header is judged by `Sec-Fetch-Site` when a browser sent one. Requests
 * carrying a bearer token (`Authorization: Bearer`) and no cookie are exempt:
 * a page cannot add that header cross-site without a CORS preflight, so it is
 * no ambient credential. Not with a cookie beside it: the cookie is read
 * first, so it is what would authenticate the write. Other schemes are not
 * either: a browser signed in to an HTTP Basic or Negotiate realm in front of
 * the app attaches them to a forged form post by itself.
 */
export function refuseCrossSiteWrites(isOriginAllowed: (req: IncomingMessage) => boolean): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || authenticatedByBearer(req) || cookielessFromAnywhere.has(req)) return next();
    const crossSite =
      req.headers.origin !== undefined ? !isOriginAllowed(req) : ['cross-site', 'same-site'].includes(String(req.headers['sec-fetch-site']));
    if (crossSite) return next(httpError('forbidden', 'cross-site request refused: this origin may not use the session cookie'));
    next();
  };
}

/** `Authorization: Bearer <token>` (the only scheme a browser never sends on its own) and no cookie to be read before it. */
function authenticatedByBearer(req: IncomingMessage): boolean {
  return req.headers.cookie === undefined && /^Bearer\s/i.test(req.headers.authorization ?? '');
}

const cookielessFromAnywhere = new WeakSet<IncomingMessage>();

/**
 * In front of a route that sets no cookie and acts only with what its body
 * carries (the password form of POST /api/auth/token, for apps on another
 * origin: a desktop app, a webview): a request with no Cookie header is taken
 * from any origin. Forged, it could act only with a password its forger
 * already has, and its answer stays with the browser. With a cookie the check
 * stands: the route's cookie form would use it.
 */
export const cookielessFromAnyOrigin: RequestHandler = (req, _res, next) => {
  if (req.headers.cookie === undefined) cookielessFromAnywhere.add(req);
  next();
};
