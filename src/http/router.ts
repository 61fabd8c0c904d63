import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import express, { Router, type NextFunction, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { authRoutes } from './auth-routes.js';
import type { HttpContext } from './context.js';
import { groupRoutes } from './group-routes.js';
import { errorHandler, httpError } from './http-error.js';
import { messageRoutes } from './message-routes.js';
import { notificationRoutes } from './notification-routes.js';
import { opsRoutes } from './ops-routes.js';
import { socialRoutes } from './social-routes.js';
import { tokenRoutes } from './token-routes.js';
import type { TokenService } from '../auth/token-service.js';

export interface RouterOptions {
  session: RequestHandler;
  metrics: Registry;
  /** register + login requests per minute per client IP; 0 turns the limit off. */
  authRateLimit: number;
  /** Largest JSON body accepted. */
  bodyLimit: string;
  /** Bearer tokens (POST /api/auth/token, /revoke); off when undefined. */
  tokens?: TokenService;
}

/** Every HTTP route of the contract, ready to `app.use()`. */
export function createRouter(ctx: HttpContext, options: RouterOptions): Router {
  const r = Router();
  r.use(requestLogger(ctx));
  r.use(opsRoutes(ctx, options.metrics));

  const api = Router();
  api.use(helmet());
  api.use(express.json({ limit: options.bodyLimit }));
  api.use(sessionOrUnavailable(options.session, ctx));
  const limiter = authLimiter(options.authRateLimit);
  api.use('/auth', authRoutes(ctx, limiter));
  if (options.tokens) api.use('/auth', tokenRoutes(ctx, options.tokens, limiter));
  api.use('/groups', groupRoutes(ctx));
  api.use('/messages', messageRoutes(ctx));
  api.use('/notifications', notificationRoutes(ctx));
  api.use(socialRoutes(ctx));
  api.use(() => {
    throw httpError('not_found', 'no such route');
  });
  api.use(errorHandler(ctx.logger));
  r.use('/api', api);
  return r;
}

/**
 * The session middleware, with a failing session store answered as an outage
 * (503, as the upgrade does) rather than a bug (500) or a sign-out (401).
 * express-session leaves `req.session` unset while its store has emitted
 * 'disconnect'; bearer-token requests do not need the store and pass.
 */
export function sessionOrUnavailable(session: RequestHandler, ctx: HttpContext): RequestHandler {
  const unavailable = (err: unknown, next: NextFunction) => {
    ctx.logger.warn({ err }, 'session store failed');
    next(httpError('unavailable', 'the session store is unavailable'));
  };
  return (req, res, next) => {
    let called = false;
    try {
      session(req, res, (err?: unknown) => {
        called = true;
        if (err) return unavailable(err, next);
        if (!req.session && !req.headers.authorization) return unavailable(new Error('session store disconnected'), next);
        next();
      });
    } catch (err) {
      if (called) throw err;
      unavailable(err, next);
    }
  };
}

/**
 * One structured log line per request (pino-http) with a request id, taken
 * from `X-Request-Id` when a proxy set one, and echoed back in that header.
 * Health checks and scrapes are not logged.
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
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/access_token=[^&]*/, 'access_token=[redacted]') }),
    },
  }) as unknown as RequestHandler;
}

/** Credential-stuffing brake on register and login (contract: AUTH_RATE_LIMIT). */
export function authLimiter(perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ error: 'rate_limited', message: 'too many attempts, try again in a minute' });
    },
  });
}
