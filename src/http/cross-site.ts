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
 * carrying `Authorization` are exempt: a browser attaches no such header
 * cross-site without a CORS preflight, so it is no ambient credential.
 */
export function refuseCrossSiteWrites(isOriginAllowed: (req: IncomingMessage) => boolean): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || req.headers.authorization !== undefined) return next();
    const crossSite =
      req.headers.origin !== undefined ? !isOriginAllowed(req) : ['cross-site', 'same-site'].includes(String(req.headers['sec-fetch-site']));
    if (crossSite) return next(httpError('forbidden', 'cross-site request refused: this origin may not use the session cookie'));
    next();
  };
}
