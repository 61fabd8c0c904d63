import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { MemoryStore, rateLimit, type Options, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import { authRoutes } from './auth-routes.js';
import { blockRoutes } from './block-routes.js';
import { rateLimitKeyOf } from './client-address-key.js';
import { me, requireUser, type HttpContext } from './context.js';
import { refuseCrossSiteWrites } from './cross-site.js';
import { groupManagementRoutes, groupReadRoutes } from './group-routes.js';
import { jsonBody } from './json-body.js';
import { sessionStoreFailure } from './session-store-failure.js';
import { errorHandler } from './http-error.js';
import { redactUrl } from './log-redaction.js';
import { requestsDuringClose } from './requests-during-close.js';
import { serializeLoggableError } from '../loggable-error.js';
import { messageRoutes } from './message-routes.js';
import { notificationRoutes } from './notification-routes.js';
import type { RouteChains } from './route-chains.js';
import { onlyDecodablePaths, onlyNumericPathIds } from './validation.js';
import { socialRoutes } from './social-routes.js';
import { tokenRoutes } from './token-routes.js';
import { userRoutes } from './user-routes.js';
import type { TokenService } from '../auth/token-service.js';
import { ownSessionView } from '../session/own-session-view.js';

export interface RouterOptions {
  /** Parlor's own accounts (register, login, logout, me, password, logout-all, token, revoke); absent when the host owns sessions. */
  accounts?: {
    /** Parlor's express-session middleware: it runs on `ownSessionView(req)`, never on the host's `req.session`. */
    session: RequestHandler;
    /** register + login requests per minute per client IP; 0 turns the limit off. */
    authRateLimit: number;
    /** Counters shared by the cluster (the broker's Redis): the limit holds across instances, not per process. */
    authRateLimitStore?: Store;
    /** The same for the wrong current passwords per user (passwordGuessLimiter). */
    passwordGuessStore?: Store;
    /** POST /api/auth/token and /revoke; off when undefined. */
    tokens?: TokenService;
  };
  /** Largest JSON body accepted. */
  bodyLimit: string;
  /** The host owns the groups (a `groupMemberFetcher` was given): create, invite, accept, decline and leave fall through. */
  hostGroups: boolean;
}

/**
 * Parlor's routes and nothing else (contract section 4, "a router without
 * side effects"): every middleware runs per route, so a request for any other
 * path falls through to the host untouched: no 404, no log line, no header,
 * no body parsing.
 */
export function createRouter(ctx: HttpContext, options: RouterOptions): { router: Router; release(): void } {
  // No Strict-Transport-Security: it binds the whole origin (and with helmet's includeSubDomains every subdomain)
  // to HTTPS for a year, a decision for the host that owns the origin, not for a router mounted in it.
  const headers = helmet({ strictTransportSecurity: false });
  // Once the path is known to be Parlor's: counted for close(), and a write refused (503) once close() began.
  const head = [onlyNumericPathIds, requestLogger(ctx), headers, requestsDuringClose(ctx.manager), refuseCrossSiteWrites(ctx.isOriginAllowed)];
  const json = jsonBody(options.bodyLimit);
  // Signed-in routes check the identity before reading a body: a stranger gets 401 whatever it sends
  // (not a 400 for broken JSON or a 413), and no body of a stranger is parsed at all.
  const chains: RouteChains = { open: [...head, ...json], signedIn: [...head, requireUser(ctx), ...json] };

  const api = Router();
  let release = () => {};
  if (options.accounts) {
    const { session, authRateLimit, authRateLimitStore, passwordGuessStore, tokens } = options.accounts;
    const limiter = authLimiter(authRateLimit, authRateLimitStore);
    const guesses = passwordGuessLimiter(authRateLimit, passwordGuessStore);
    release = () => {
      limiter.release();
      guesses.release();
    };
    const withSession = [...head, sessionOrUnavailable(session, ctx)];
    const accountChains: RouteChains = { open: [...withSession, ...json], signedIn: [...withSession, requireUser(ctx), ...json] };
    api.use('/auth', authRoutes(ctx, accountChains, { perAddress: limiter, perUser: guesses }, tokens));
    if (tokens) api.use('/auth', tokenRoutes(ctx, chains, tokens, limiter));
  }
  api.use('/groups', groupReadRoutes(ctx, chains));
  if (!options.hostGroups) api.use('/groups', groupManagementRoutes(ctx, chains));
  api.use('/messages', messageRoutes(ctx, chains));
  if (ctx.notifications) api.use('/notifications', notificationRoutes(ctx.notifications, chains));
  api.use(socialRoutes(ctx, chains));
  api.use(userRoutes(ctx, chains));
  api.use(blockRoutes(ctx, chains));
  // Reached only by an error from one of the routes above.
  api.use(errorHandler(ctx.logger));

  const r = Router();
  r.use('/api', passOptions, onlyDecodablePaths, api);
  return { router: r, release };
}

/**
 * Parlor serves no OPTIONS. Express's router would answer one itself (200,
 * `Allow: GET, POST`) for any path it has routes on, so a host's CORS
 * preflight handler mounted after `parlor.router` would never see the
 * preflights for Parlor's paths: they leave Parlor's router untouched instead.
 */
const passOptions: RequestHandler = (req, _res, next) => next(req.method === 'OPTIONS' ? 'router' : undefined);

/**
 * Parlor's session middleware, run on Parlor's own view of the request
 * (src/session/own-session-view.ts: a host's `req.session` stays the host's),
 * with a failing session store answered as an outage (503, as the upgrade
 * does) rather than a bug (500) or a sign-out (401). express-session leaves
 * the session unset while its store has emitted 'disconnect'; bearer-token
 * requests do not need the store and pass.
 */
function sessionOrUnavailable(session: RequestHandler, ctx: HttpContext): RequestHandler {
  const unavailable = (err: unknown, next: NextFunction) => next(sessionStoreFailure(ctx.logger, err));
  return (req, res, next) => {
    let called = false;
    const own = ownSessionView(req);
    try {
      session(own as never, res, (err?: unknown) => {
        called = true;
        if (err) return unavailable(err, next);
        if (!own.session && !req.headers.authorization) return unavailable(new Error('session store disconnected'), next);
        next();
      });
    } catch (err) {
      if (called) throw err;
      unavailable(err, next);
    }
  };
}

/**
 * One structured log line per Parlor request (pino-http) with a request id,
 * taken from `X-Request-Id` when a proxy set one, and echoed back in that
 * header. Only the method, the URL with credentials redacted and the status
 * are logged: never a header (Cookie, Set-Cookie, Authorization).
 */
function requestLogger(ctx: HttpContext): RequestHandler {
  return pinoHttp({
    logger: ctx.logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // Client mistakes (4xx) are warnings at most; a 503 is an outage of a store or a host interface (warned about,
    // naming it, where it was answered); only another failure of ours (5xx) is an error.
    customLogLevel: (_req, res, err) => (res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // pino-http's child brings its own `err` serializer (pino's, every field): the foreign-error rule again.
      // pino-http hands it pino's serialization of the error, which keeps the error itself as `raw`.
      err: (serialized: { raw?: unknown }) => serializeLoggableError(serialized?.raw ?? serialized),
    },
  }) as unknown as RequestHandler;
}

/** What another limiter of authLimiter's kind counts instead of every request per client IP (passwordGuessLimiter). */
type LimiterCounting = Partial<Pick<Options, 'keyGenerator' | 'skipSuccessfulRequests' | 'requestWasSuccessful'>>;

/**
 * Credential-stuffing brake on register and login (contract: AUTH_RATE_LIMIT,
 * per client IP). Counted in this process always; with `shared` counters
 * (the broker's Redis) also across the cluster, so N instances behind one
 * balancer allow N times nothing more. While the shared counters cannot
 * answer (Redis down), the per-process count still holds. Both count by
 * rateLimitKeyOf: an IPv4 client on a dual-stack listener is its IPv4 address.
 *
 * `release` stops the per-process counters' sweep (express-rate-limit's
 * MemoryStore runs a timer a window long, unref'd but never ended on its own):
 * parlor.close() calls it, so a closed Parlor leaves no timer behind. Writes,
 * the only requests that reach this limiter, are refused before it once close()
 * began; a request that still reached it would be counted all the same.
 */
export function authLimiter(perMinute: number, shared?: Store, counting: LimiterCounting = {}): RequestHandler & { release(): void } {
  if (perMinute <= 0) return Object.assign<RequestHandler, { release(): void }>((_req, _res, next) => next(), { release: () => {} });
  const counters = new MemoryStore();
  const options = {
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: rateLimitKeyOf,
    ...counting,
    handler: (_req: Request, res: Response) => {
      res.status(429).json({ error: 'rate_limited', message: 'too many attempts, try again in a minute' });
    },
  } as const;
  // express-rate-limit's check that a store serves one limiter only keeps every store it saw in a module-level
  // Set, for the life of the process (a store's shutdown() does not take it out): each Parlor created and
  // closed left its counters there. Both stores are made for this limiter alone (counters here, the broker's
  // per call of rateLimitStore), so the check has nothing to catch.
  const local = rateLimit({ ...options, store: counters, validate: { unsharedStore: false } });
  const release = () => counters.shutdown();
  if (!shared) return Object.assign(local, { release });
  // Two limiters count one request: express-rate-limit's double-count check is about one store, not two.
  const cluster = rateLimit({ ...options, store: shared, validate: { unsharedStore: false, singleCount: false } });
  const both: RequestHandler = (req, res, next) =>
    local(req, res, (err?: unknown) => {
      if (err) return next(err);
      cluster(req, res, next);
    });
  return Object.assign(both, { release });
}

/**
 * The brake on guessing a signed-in user's current password (`POST
 * /api/auth/password`): AUTH_RATE_LIMIT wrong guesses (403) a minute per
 * user, whatever address or credential they come from, on top of the limit
 * per address. A stolen cookie mints tokens, and each may ask from another
 * address: counted per address alone, the guesses would have no bound. Every
 * request counts while it runs and is given back unless it was a wrong
 * guess, so guesses in parallel are bounded too; with `shared` counters (the
 * broker's Redis) the bound holds across the cluster. Past it a 429, also for
 * the right password, until the minute is over.
 */
export function passwordGuessLimiter(perMinute: number, shared?: Store): RequestHandler & { release(): void } {
  return authLimiter(perMinute, shared, {
    keyGenerator: (_req, res) => `user:${me(res).userId}`,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 403,
  });
}
