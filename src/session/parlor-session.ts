import type { RequestHandler } from 'express';
import session, { type Store } from 'express-session';
import type { SessionResolver } from '../websocket/session-resolver.js';
import { sessionResolverOn } from './express-session-resolver.js';
import { ownSessionView } from './own-session-view.js';
import './session-data.js';

export interface ParlorSessionOptions {
  secret: string | string[];
  store: Store;
  cookieName: string;
  maxAgeMs: number;
}

/**
 * Parlor's own cookie session (its accounts only): the middleware its account
 * routes use, and the resolver that reads it. Both keep the session on
 * `ownSessionView(req)`, never on `req.session` (a host's, if it has one).
 */
export interface ParlorSession {
  /** express-session's middleware: run it on `ownSessionView(req)`, with the real response. */
  middleware: RequestHandler;
  resolver: SessionResolver;
}

export function createParlorSession(o: ParlorSessionOptions): ParlorSession {
  const middleware = session({
    name: o.cookieName,
    secret: o.secret,
    store: o.store,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', path: '/', maxAge: o.maxAgeMs },
  });
  const resolver = sessionResolverOn(ownSessionView, middleware, (s) => s.userId, { cookieName: o.cookieName, usernameOf: (s) => s.username });
  return { middleware, resolver };
}
