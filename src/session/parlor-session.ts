import type { EventEmitter } from 'node:events';
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
  /** Removes the listeners the middleware put on the store (parlor.close()): the store is the caller's and outlives this Parlor. */
  release(): void;
}

export function createParlorSession(o: ParlorSessionOptions): ParlorSession {
  const { result: middleware, remove: release } = withListenersAdded(o.store, STORE_READINESS_EVENTS, () =>
    session({
      name: o.cookieName,
      secret: o.secret,
      store: o.store,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', path: '/', maxAge: o.maxAgeMs },
    }),
  );
  const resolver = sessionResolverOn(ownSessionView, middleware, (s) => s.userId, { cookieName: o.cookieName, usernameOf: (s) => s.username });
  return { middleware, resolver, release };
}

/** What express-session's `session()` listens to on its store, to know whether the store is up; nothing ever removes them. */
const STORE_READINESS_EVENTS = ['connect', 'disconnect'] as const;

/**
 * Runs `make` and returns what it made, and the function that removes exactly
 * the listeners for `events` it added to `emitter`: listeners others put on a
 * shared emitter (another Parlor, the host) stay. Without it, each Parlor
 * created over the same stores left two closures (and everything they hold)
 * on `stores.sessions` for good, and Node warned of a leak after ten.
 */
function withListenersAdded<T>(emitter: EventEmitter, events: readonly string[], make: () => T): { result: T; remove(): void } {
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const result = make();
  const added = events.flatMap((event) => emitter.listeners(event).filter((l) => !before.get(event)!.has(l)).map((l) => [event, l] as const));
  return {
    result,
    remove() {
      for (const [event, listener] of added.splice(0)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    },
  };
}
