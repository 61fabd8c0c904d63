import 'reflect-metadata';
import type { Server } from 'node:http';
import type { Router } from 'express';
import session from 'express-session';
import type { Registry } from 'prom-client';
import type { DependencyContainer } from 'tsyringe';
import { TokenSessionResolver } from './auth/token-resolver.js';
import { TokenService, tokenKey, type TokenOptions } from './auth/token-service.js';
import { createParlorContainer } from './container.js';
import { createRouter } from './http/router.js';
import { scryptParams } from './http/password.js';
import { silentLogger, type Logger } from './logger.js';
import { createRegistry, observeManager, observeStores, timeStoreWrites } from './metrics.js';
import { CookieSessionResolver, FirstMatchResolver } from './session/cookie-session-resolver.js';
import type { Stores } from './store/types.js';
import type { Broker } from './websocket/broker.js';
import type { GroupMemberFetcher } from './websocket/group-member-fetcher.js';
import { Manager } from './websocket/manager.js';
import type { MessagePersister } from './websocket/message-persister.js';
import type { ManagerOptions } from './websocket/options.js';
import { createOriginPolicy } from './websocket/origin-policy.js';
import type { Identity, SessionResolver } from './websocket/session-resolver.js';
import { createUpgradeHandler, type UpgradeHandler } from './websocket/upgrade.js';

export interface ParlorOptions {
  /** Where users, groups, messages, notifications and sessions live. The caller opens and closes them. */
  stores: Stores;
  /** Signs the session cookie. Several: the first signs, all verify (rotation). */
  sessionSecret: string | string[];
  /** Session cookie name. Default `parlor.sid`. */
  cookieName?: string;
  /** Session lifetime. Default 30 days. */
  sessionMaxAgeMs?: number;
  /** Browser origins allowed to open cookie sockets. Default: the server's own origin only. */
  allowedOrigins?: readonly string[];
  /** Usernames that may broadcast. */
  adminUsers?: readonly string[];
  /** register + login per minute per IP. Default 30; 0 turns it off. */
  authRateLimit?: number;
  /** Largest JSON body. Default `100kb`. */
  bodyLimit?: string;
  /** log2 of scrypt's N for new password hashes. Default 17. */
  passwordHashCost?: number;
  /** How long an upgrade waits for the session store before answering 503. Default 5000 ms. */
  sessionTimeoutMs?: number;
  /** Socket path. Default `/ws`. */
  wsPath?: string;
  manager?: Partial<ManagerOptions>;
  logger?: Logger;
  /** Cross-instance delivery (Redis). Default: in-process. */
  broker?: Broker;
  /** Override any of the three interfaces; the defaults come from `stores` and the session cookie. */
  sessionResolver?: SessionResolver;
  groupMemberFetcher?: GroupMemberFetcher;
  messagePersister?: MessagePersister;
  /** Bearer tokens for clients without the cookie; `false` turns them off. Default: on, key derived from the session secret. */
  tokens?: TokenOptions | false;
  /** Collect Node process metrics in /metrics. Default true. */
  processMetrics?: boolean;
}

export interface Parlor {
  /** Every HTTP route of the contract: `app.use(parlor.router)`. */
  readonly router: Router;
  readonly manager: Manager;
  readonly container: DependencyContainer;
  readonly metrics: Registry;
  /** The `'upgrade'` handler; resolves false for paths other than `/ws`. */
  readonly handleUpgrade: UpgradeHandler;
  /** Listens for upgrades on the server; returns the function that stops listening. */
  attach(server: Server): () => void;
  /** Stops new sockets, finishes stored writes, closes sockets with 1001. Does not close `stores`. */
  close(): Promise<void>;
}

/** The composition root: one call builds the Manager, its wiring, the routes and the upgrade handler. */
export function createParlor(options: ParlorOptions): Parlor {
  const logger = options.logger ?? silentLogger;
  const cookieName = options.cookieName ?? 'parlor.sid';
  const sessionMiddleware = session({
    name: cookieName,
    secret: options.sessionSecret as string | string[],
    store: options.stores.sessions,
    resave: false,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: 'auto',
      path: '/',
      maxAge: options.sessionMaxAgeMs ?? 30 * 24 * 3600 * 1000,
    },
  });
  const tokens =
    options.tokens === false
      ? undefined
      : new TokenService(tokenKey(options.sessionSecret, options.tokens?.secret), options.stores.users, options.tokens?.ttlSeconds);
  const resolver =
    options.sessionResolver ??
    new FirstMatchResolver([
      new CookieSessionResolver(sessionMiddleware, cookieName),
      ...(tokens ? [new TokenSessionResolver(tokens)] : []),
    ]);
  const admins = new Set((options.adminUsers ?? []).map((u) => u.toLowerCase()));
  const isAdmin = (identity: Identity) => identity.username !== undefined && admins.has(identity.username.toLowerCase());

  const metrics = createRegistry(options.processMetrics ?? true);
  const container = createParlorContainer({
    sessionResolver: resolver,
    groupMemberFetcher: options.groupMemberFetcher ?? options.stores.groups,
    messagePersister: timeStoreWrites(options.messagePersister ?? options.stores.messages, metrics),
    managerOptions: { isAdmin, logger, ...options.manager },
    broker: options.broker,
  });
  const manager = container.resolve(Manager);
  observeManager(metrics, manager, options.broker);
  observeStores(metrics, options.stores);

  const ctx = {
    stores: options.stores,
    manager,
    resolver,
    logger,
    isAdmin,
    hashParams: scryptParams(options.passwordHashCost),
    cookieName,
  };
  const router = createRouter(ctx, {
    session: sessionMiddleware,
    metrics,
    authRateLimit: options.authRateLimit ?? 30,
    bodyLimit: options.bodyLimit ?? '100kb',
    tokens,
  });
  const upgrade = createUpgradeHandler(manager, {
    path: options.wsPath ?? '/ws',
    isOriginAllowed: createOriginPolicy(options.allowedOrigins),
    logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
  });

  return {
    router,
    manager,
    container,
    metrics,
    handleUpgrade: upgrade.handle,
    attach(server) {
      const listener = (req: Parameters<UpgradeHandler>[0], socket: Parameters<UpgradeHandler>[1], head: Buffer) => {
        upgrade.handle(req, socket, head).then(
          (taken) => {
            // Another listener may own other paths; alone, we refuse them.
            if (!taken && server.listenerCount('upgrade') === 1) socket.destroy();
          },
          (err: unknown) => {
            logger.error({ err }, 'upgrade failed');
            socket.destroy();
          },
        );
      };
      server.on('upgrade', listener);
      return () => server.off('upgrade', listener);
    },
    async close() {
      await manager.close();
      upgrade.wss.close();
    },
  };
}
