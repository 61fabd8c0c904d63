import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { ParlorOptions } from '../app.js';
import type { HttpContext } from '../http/context.js';
import { opsRoutes } from '../http/ops-routes.js';
import { scryptParams } from '../http/password.js';
import { createRouter } from '../http/router.js';
import { DEFAULT_READ_BUDGET, UserRateLimit } from '../http/user-rate-limit.js';
import type { Logger } from '../logger.js';
import type { Manager } from '../websocket/manager.js';
import type { Access } from './access.js';
import { listReads } from './list-reads.js';
import type { Authentication } from './authentication.js';

/** Register and login requests a minute per client IP (`authRateLimit`, AUTH_RATE_LIMIT); 0 turns the limit off. */
export const DEFAULT_AUTH_RATE_LIMIT = 30;

/** Parlor's HTTP routes and the ops routes (`/healthz`, `/metrics`), from one context; `release` ends their timers (close()). */
export function buildRoutes(
  options: ParlorOptions,
  auth: Authentication,
  access: Access,
  manager: Manager,
  logger: Logger,
  metrics: Registry,
): { router: Router; opsRouter: Router; release(): void } {
  const ctx: HttpContext = {
    stores: options.stores,
    ...listReads(options),
    manager,
    ownNotifications: !options.messagePersister,
    resolver: auth.resolver,
    logger,
    isAdmin: access.isAdmin,
    isOriginAllowed: access.isOriginAllowed,
    hashParams: scryptParams(options.passwordHashCost),
    cookieName: auth.cookieName,
    rateLimit: new UserRateLimit({
      // Sends default to one socket's frame budget: HTTP is no way around the socket's limit.
      sends: options.httpRateLimit?.sends ?? { rate: manager.options.rateLimit, burst: manager.options.rateBurst },
      reads: options.httpRateLimit?.reads ?? DEFAULT_READ_BUDGET,
    }),
  };
  const { accounts, ownSession, tokens } = auth;
  const { router, release } = createRouter(ctx, {
    bodyLimit: options.bodyLimit ?? '100kb',
    hostGroups: options.groupMemberFetcher !== undefined,
    accounts:
      accounts && ownSession
        ? {
            session: ownSession.middleware,
            authRateLimit: options.authRateLimit ?? DEFAULT_AUTH_RATE_LIMIT,
            authRateLimitStore: options.broker?.rateLimitStore?.('auth'),
            passwordGuessStore: options.broker?.rateLimitStore?.('password'),
            tokens,
          }
        : undefined,
  });
  return { router, opsRouter: opsRoutes(ctx, metrics), release };
}
