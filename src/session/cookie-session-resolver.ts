import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Session, SessionData } from 'express-session';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';
import './session-data.js';

type WithSession = IncomingMessage & { session?: Session & Partial<SessionData>; sessionID?: string };

/**
 * Resolves the express-session cookie with the very middleware the HTTP
 * routes use (ws `examples/express-session-parse`): one cookie parser, one
 * store. On an HTTP request the middleware has already run; on an upgrade
 * request it runs here. A store error rejects (the upgrade answers 503).
 */
export class CookieSessionResolver implements SessionResolver {
  constructor(
    private readonly sessionMiddleware: RequestHandler,
    private readonly cookieName = 'parlor.sid',
  ) {}

  async resolve(req: IncomingMessage): Promise<Identity | null> {
    const r = req as WithSession;
    if (!r.session) await this.loadSession(r);
    // express-session leaves req.session unset while its store is disconnected:
    // a request that carries our cookie is then an outage (503), not a sign-out (401).
    if (!r.session && this.carriesCookie(req)) throw new Error('session store disconnected');
    const userId = r.session?.userId;
    if (typeof userId !== 'number') return null;
    return { userId, username: r.session!.username, sessionId: r.sessionID, via: 'cookie' };
  }

  private carriesCookie(req: IncomingMessage): boolean {
    return req.headers.cookie?.split(';').some((c) => c.trim().startsWith(`${this.cookieName}=`)) ?? false;
  }

  private loadSession(req: WithSession): Promise<void> {
    // express-session only needs a response to set the cookie, which an upgrade never does.
    const res = { getHeader() {}, setHeader() {}, on() {}, once() {}, end() {} } as unknown as ServerResponse;
    return new Promise((resolve, reject) => {
      this.sessionMiddleware(req as never, res as never, (err?: unknown) => (err ? reject(err) : resolve()));
    });
  }
}

/** Tries resolvers in order; the first identity wins (cookie first, then bearer token). */
export class FirstMatchResolver implements SessionResolver {
  constructor(private readonly resolvers: readonly SessionResolver[]) {}

  async resolve(req: IncomingMessage): Promise<Identity | null> {
    for (const resolver of this.resolvers) {
      const identity = await resolver.resolve(req);
      if (identity) return identity;
    }
    return null;
  }
}
