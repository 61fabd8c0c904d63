import express, { type RequestHandler } from 'express';
import { httpError } from './http-error.js';

/**
 * "JSON in" (contract section 2): a body is read only as JSON. express.json
 * leaves any other body unread (`req.body` undefined), which a route would
 * take for "no body": `POST /api/notifications/read` with `fetch`'s default
 * `text/plain` meant "mark every notification read". So a request that
 * carries content that is not JSON is a 400 before any route sees it; only a
 * request with no content at all (no Content-Length, or 0) has no body.
 * Decided by the Content-Type, not by `req.body`: a host's own parser
 * (`express.urlencoded` before the mount) fills `req.body` from a form, and
 * express.json then leaves it as it is.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const refuseOtherBodies: RequestHandler = (req, _res, next) => {
    const hasContent = Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasContent && !req.is('application/json')) return next(httpError('bad_request', 'the request body must be JSON (Content-Type: application/json)'));
    next();
  };
  return [express.json({ limit }), refuseOtherBodies];
}
