import 'reflect-metadata';
import type { Server } from 'node:http';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { DependencyContainer } from 'tsyringe';
import { TokenSessionResolver } from './auth/token-resolver.js';
import { revokeTokens } from './auth/token-revocation.js';
import { TokenService, tokenKey, type TokenOptions } from './auth/token-service.js';
import { createParlorContainer } from './container.js';
import { opsRoutes } from './http/ops-routes.js';
import { createRouter } from './http/router.js';
import { DEFAULT_READ_BUDGET, UserRateLimit, type HttpRateLimitOptions } from './http/user-rate-limit.js';
import { scryptParams } from './http/password.js';
import { guardInterface } from './interface-failure.js';
import { silentLogger, type Logger } from './logger.js';
import { createRegistry, observeManager, observeStores, timeStoreWrites } from './metrics.js';
import { checkParlorOptions } from './parlor-options.js';
import { accountDirectory, withAccountProfiles } from './store/account-directory.js';
import { FirstMatchResolver } from './session/first-match-resolver.js';
import { createParlorSession, type ParlorSession } from './session/parlor-session.js';
import { stillValidOf, withStillValid } from './session/still-valid.js';
import type { Stores } from './store/types.js';
import type { Broker } from './websocket/broker.js';
import type { GroupMemberFetcher } from './websocket/group-member-fetcher.js';
import { Manager } from './websocket/manager.js';
import type { HostEvents } from './websocket/host-events.js';
import type { MessagePersister } from './websocket/message-persister.js';
import type { MessagePolicy } from './websocket/message-policy.js';
import type { ManagerOptions } from './websocket/options.js';
import { createOriginPolicy } from './websocket/origin-policy.js';
import type { Identity, SessionResolver } from './websocket/session-resolver.js';
import { createUpgradeHandler, type UpgradeHandler } from './websocket/upgrade.js';
import type { UserDirectory } from './websocket/user-directory.js';

export interface ParlorOptions {
  /** Where messages, notifications (and Parlor's own accounts, groups and sessions) live. The caller opens and closes them. */
  stores: Stores;
  /**
   * The host's authentication: who is this upgrade or HTTP request? With it,
   * Parlor owns no sessions and mounts no account routes. Default: Parlor's
   * own accounts and cookie session. See `expressSessionResolver`.
   */
  sessionResolver?: SessionResolver;
  /**
   * Parlor's own account routes (register, login, logout, me, token, revoke).
   * Default: on without a `sessionResolver`, off with one; `true` together
   * with a `sessionResolver` is an error (Parlor would write sessions it does not own).
   */
  accounts?: boolean;
  /** Signs Parlor's session cookie (16+ characters; several: the first signs, all verify). Required while Parlor owns sessions. */
  sessionSecret?: string | string[];
  /** Parlor's session cookie name. Default `parlor.sid`. */
  cookieName?: string;
  /** Parlor's session lifetime. Default 30 days. */
  sessionMaxAgeMs?: number;
  /** Browser origins allowed to use cookie credentials (the `/ws` upgrade and HTTP writes). Default: the server's own origin only. */
  allowedOrigins?: readonly string[];
  /** Believe `X-Forwarded-Proto` for the server's own origin (behind a TLS-terminating proxy). Default false. */
  trustProxy?: boolean;
  /** Usernames that may broadcast. */
  adminUsers?: readonly string[];
  /** register + login per minute per IP. Default 30; 0 turns it off. */
  authRateLimit?: number;
  /** Largest JSON body. Default `100kb`. */
  bodyLimit?: string;
  /** log2 of scrypt's N for new password hashes. Default 17. */
  passwordHashCost?: number;
  /** How long an upgrade waits for the session lookup before answering 503. Default 5000 ms. */
  sessionTimeoutMs?: number;
  /** Socket path for `handleUpgrade` and `attach` (which may name another). Default `/ws`. */
  wsPath?: string;
  manager?: Partial<ManagerOptions>;
  logger?: Logger;
  /** Cross-instance delivery (Redis). Default: in-process. */
  broker?: Broker;
  /**
   * The host's users: `existing(ids)` (required) and `profiles(ids)`
   * (optional). With it, messages, notifications and invitations go to any
   * id it knows, Parlor account or not. Default: Parlor's own accounts.
   */
  userDirectory?: UserDirectory;
  /** Who is in a group. Default: Parlor's own groups (`stores.groups`). */
  groupMemberFetcher?: GroupMemberFetcher;
  /** Where messages are stored. Default: `stores.messages`. */
  messagePersister?: MessagePersister;
  /** The host's rules, checked before a private or group message is stored (WebSocket and HTTP alike). Default: none. */
  messagePolicy?: MessagePolicy;
  /**
   * Bearer tokens (next to the cookie, or next to the host's `sessionResolver`);
   * `false` turns them off. Key: `secret`, else derived from `sessionSecret`.
   */
  tokens?: TokenOptions | false;
  /** Collect Node process metrics in /metrics. Default true. */
  processMetrics?: boolean;
  /** Per-user budgets of authenticated HTTP requests (429 past them). Default: sends as one socket, reads 20/s (60 at once). */
  httpRateLimit?: HttpRateLimitOptions;
}

/** Bearer tokens for the host's own apps (contract section 4). */
export interface ParlorTokens {
  /** A signed token for the user: opens `/ws` and calls Parlor's routes like a session. Rejects when tokens are off. */
  issue(userId: number): Promise<{ token: string; expires_at: number }>;
  /** Every token issued to the user so far stops working, and the sockets they opened close with 4401 on every instance. */
  revokeAll(userId: number): Promise<void>;
}

export interface Parlor {
  /** Parlor's HTTP routes only (`/api/...` below where it is mounted); every other request falls through. */
  readonly router: Router;
  /** `GET /healthz` and `GET /metrics`, for the host to mount where it wants them. */
  readonly opsRouter: Router;
  readonly manager: Manager;
  readonly container: DependencyContainer;
  readonly metrics: Registry;
  /** `message`, `notification` and `read`, after the commit, for host code (push, search, webhooks). */
  readonly events: HostEvents;
  readonly tokens: ParlorTokens;
  /** Forgets what the user cache knows of one user (the host deleted it); this process only. */
  invalidateUser(userId: number): void;
  /** The `'upgrade'` handler for `wsPath`; resolves false for other paths. */
  readonly handleUpgrade: UpgradeHandler;
  /** Listens for upgrades on `path` (default `wsPath`); returns the function that stops listening. */
  attach(server: Server, options?: { path?: string }): () => void;
  /** Logout done by the host: every socket of the session closes with 4401, on every instance, within 2 s. */
  disconnectSession(sessionId: string): void;
  /** Ban or deletion: every socket of the user closes with 4401, on every instance, within 2 s. */
  disconnectUser(userId: number): void;
  /** Stops new sockets, finishes stored writes, closes sockets with 1001. Does not close `stores`. */
  close(): Promise<void>;
}

/** The composition root: one call builds the Manager, its wiring, the routes and the upgrade handler. */
export function createParlor(options: ParlorOptions): Parlor {
  checkParlorOptions(options);
  const logger = options.logger ?? silentLogger;
  const cookieName = options.cookieName ?? 'parlor.sid';
  const accounts = options.accounts ?? options.sessionResolver === undefined;
  // Parlor's own cookie session exists only when no host resolver is given: it never writes a host's session.
  const ownSession: ParlorSession | undefined =
    options.sessionResolver === undefined
      ? createParlorSession({
          secret: options.sessionSecret!,
          store: options.stores.sessions,
          cookieName,
          maxAgeMs: options.sessionMaxAgeMs ?? 30 * 24 * 3600 * 1000,
        })
      : undefined;
  const tokens =
    options.tokens === false
      ? undefined
      : new TokenService(
          tokenKey(options.sessionSecret ?? [], options.tokens?.secret),
          options.stores.tokenVersions,
          accounts ? options.stores.users : undefined,
          options.tokens?.ttlSeconds,
        );
  const cookieResolver = options.sessionResolver ?? ownSession!.resolver;
  const resolver = withStillValid(
    guardInterface('sessionResolver', new FirstMatchResolver([cookieResolver, ...(tokens ? [new TokenSessionResolver(tokens)] : [])])),
    stillValidOf(options.sessionResolver, options.stores.sessions),
  );
  const admins = new Set((options.adminUsers ?? []).map((u) => u.toLowerCase()));
  const isAdmin = (identity: Identity) => identity.username !== undefined && admins.has(identity.username.toLowerCase());
  const isOriginAllowed = createOriginPolicy(options.allowedOrigins, { trustProxy: options.trustProxy });

  const metrics = createRegistry(options.processMetrics ?? true);
  const container = createParlorContainer({
    sessionResolver: resolver,
    groupMemberFetcher: guardInterface('groupMemberFetcher', options.groupMemberFetcher ?? options.stores.groups),
    messagePersister: timeStoreWrites(options.messagePersister ?? options.stores.messages, metrics),
    userDirectory: options.userDirectory
      ? withAccountProfiles(guardInterface('userDirectory', options.userDirectory), options.stores.users)
      : accountDirectory(options.stores.users),
    managerOptions: {
      isAdmin,
      logger,
      messagePolicy: options.messagePolicy,
      verifyToken: tokens && ((token) => tokens.verify(token)),
      ...options.manager,
    },
    broker: options.broker,
    consentStore: options.stores.consent,
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
    isOriginAllowed,
    hashParams: scryptParams(options.passwordHashCost),
    cookieName,
    rateLimit: new UserRateLimit({
      sends: options.httpRateLimit?.sends ?? { rate: manager.options.rateLimit, burst: manager.options.rateBurst },
      reads: options.httpRateLimit?.reads ?? DEFAULT_READ_BUDGET,
    }),
  };
  const router = createRouter(ctx, {
    bodyLimit: options.bodyLimit ?? '100kb',
    hostGroups: options.groupMemberFetcher !== undefined,
    accounts:
      accounts && ownSession ? { session: ownSession.middleware, authRateLimit: options.authRateLimit ?? 30, tokens } : undefined,
  });
  const upgrade = createUpgradeHandler(manager, {
    path: options.wsPath ?? '/ws',
    isOriginAllowed,
    logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
  });
  const tokensOff = () => Promise.reject(new Error('bearer tokens are turned off (tokens: false)'));

  return {
    router,
    opsRouter: opsRoutes(ctx, metrics),
    manager,
    container,
    metrics,
    events: manager.hostEvents,
    tokens: {
      issue: (userId) => (tokens ? tokens.issue(userId) : tokensOff()),
      revokeAll: (userId) => (tokens ? revokeTokens(tokens, manager, userId) : tokensOff()),
    },
    invalidateUser: (userId) => manager.users.invalidate(userId),
    handleUpgrade: upgrade.handle,
    disconnectSession: (sessionId) => void manager.disconnect({ sessionId }),
    disconnectUser: (userId) => void manager.disconnect({ userId }),
    attach(server, attachOptions = {}) {
      const handle = attachOptions.path === undefined ? upgrade.handle : upgrade.handleAt(attachOptions.path);
      const listener = (req: Parameters<UpgradeHandler>[0], socket: Parameters<UpgradeHandler>[1], head: Buffer) => {
        handle(req, socket, head).then(
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
