import 'reflect-metadata';
import type { Server } from 'node:http';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { DependencyContainer } from 'tsyringe';
import type { TokenOptions } from './auth/token-service.js';
import { buildAccess } from './composition/access.js';
import { buildAuthentication, TOKENS_OFF_WITHOUT_KEY } from './composition/authentication.js';
import { withHostInterfaces } from './composition/host-interfaces.js';
import { buildManager } from './composition/manager.js';
import { buildUserDirectory } from './composition/user-directory.js';
import { parlorTokens } from './composition/parlor-tokens.js';
import { buildRoutes } from './composition/routes.js';
import { listenForUpgrades } from './composition/upgrade-listener.js';
import type { HttpRateLimitOptions } from './http/user-rate-limit.js';
import { withLoggableErrors } from './loggable-error.js';
import { silentLogger, type Logger } from './logger.js';
import { createRegistry } from './metrics.js';
import { checkParlorOptions, ParlorOptionsError } from './parlor-options.js';
import type { Stores } from './store/types.js';
import type { TrustProxySetting } from './trust-proxy.js';
import type { Broker } from './websocket/broker.js';
import type { GroupMemberFetcher } from './websocket/group-member-fetcher.js';
import type { HostEvents } from './websocket/host-events.js';
import type { Manager } from './websocket/manager.js';
import type { MessagePersister } from './websocket/message-persister.js';
import type { MessagePolicy } from './websocket/message-policy.js';
import type { ManagerOptions } from './websocket/options.js';
import type { SessionResolver } from './websocket/session-resolver.js';
import { createUpgradeHandler, type UpgradeHandler } from './websocket/upgrade.js';
import type { UserDirectory } from './websocket/user-directory.js';
import { requireGroupId, requireSessionId, requireUserId } from './user-id.js';

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
   * Default: on without a `sessionResolver` and a `userDirectory`, off with
   * either (the host's users are not Parlor accounts: tokens are issued for
   * any id the directory knows); `true` together with a `sessionResolver` is
   * an error (Parlor would write sessions it does not own). `true` with a
   * `userDirectory` keeps Parlor's accounts beside it: their ids must be ids
   * the directory means too.
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
  /**
   * Which peers are proxies whose `X-Forwarded-Proto` gives the server's own
   * origin (behind a TLS-terminating proxy): anything `app.set('trust proxy',
   * ...)` takes, and it should be the same value, so the origin check agrees
   * with `req.protocol`. `true` (every peer), a hop count (`1` behind one
   * nginx), the proxies' addresses or subnets (`'loopback, 10.0.0.0/8'` or a
   * list), or `(addr, hop) => boolean`. The header is believed only from a
   * peer trusted at hop 0, per request. Default false: never.
   */
  trustProxy?: TrustProxySetting;
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
  /**
   * How long any call to the host's interfaces (`sessionResolver`, `groupMemberFetcher`, `userDirectory`,
   * `messagePolicy`) may take before it counts as the interface failing (503 `unavailable`, an error frame,
   * a re-check given up until the next one). Default: `sessionTimeoutMs`, else 5000 ms.
   */
  interfaceTimeoutMs?: number;
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
   * Each token is for one mount: `audience`, default `wsPath`.
   */
  tokens?: TokenOptions | false;
  /** Show Node process metrics in /metrics (collected once per process, for every Parlor that shows them). Default true. */
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
  /** Forgets what the user cache knows of one user (the host deleted it), on every instance. */
  invalidateUser(userId: number): void;
  /** Forgets the cached members of one host-owned group (the host changed them or deleted the group), on every instance. */
  invalidateGroup(groupId: number): void;
  /** The `'upgrade'` handler for `wsPath`; resolves false for other paths. */
  readonly handleUpgrade: UpgradeHandler;
  /**
   * Listens for upgrades on `path` (default `wsPath`); returns the function that
   * stops listening. Throws a TypeError for a path not starting with `/`, and
   * for a path another Parlor mount already serves on this server; an Error
   * once `close()` was called (closing or closed: attach a new Parlor instead).
   */
  attach(server: Server, options?: { path?: string }): () => void;
  /** Logout done by the host: every socket of the session closes with 4401, on every instance, within 2 s. Throws a TypeError for anything but a non-empty string. */
  disconnectSession(sessionId: string): void;
  /** Ban or deletion: every socket of the user closes with 4401, on every instance, within 2 s. */
  disconnectUser(userId: number): void;
  /**
   * Stops new sockets and HTTP writes (every Parlor route but GET ones answers 503 `unavailable`; reads still
   * answer), finishes stored writes (frames, and HTTP requests under way until they answered), closes sockets
   * with 1001, then undoes every `attach` (its 'upgrade' listener and path claim go: a new Parlor may attach to
   * the same server and path; `attach` on this one throws from the call on), ends Parlor's timers (the auth
   * rate limiter's sweep included) and removes its session's listeners from `stores.sessions`. Does not close `stores`.
   */
  close(): Promise<void>;
}

/**
 * The composition root: one call builds the Manager, its wiring, the routes
 * and the upgrade handler, each step in src/composition/.
 */
export function createParlor(options: ParlorOptions): Parlor {
  checkParlorOptions(options);
  refuseBrokerInUse(options.broker);
  const logger = withLoggableErrors(options.logger ?? silentLogger);
  if (options.sessionResolver && !options.userDirectory) {
    // Not an error: users may be written to stores.users by other means (an import, tests). But the usual
    // cause is a forgotten userDirectory, and then every recipient is not_found.
    logger.warn(
      "a host sessionResolver without a userDirectory: only accounts in Parlor's own users table exist as recipients, and with the host's sessions Parlor's routes create none; pass the host's userDirectory",
    );
  }
  const wsPath = options.wsPath ?? '/ws';
  // The host's interfaces as Parlor calls them: ids read, failures named, each call given interfaceTimeoutMs.
  const hosted = withHostInterfaces(options);
  // A bearer token's user is checked through the Manager's user cache (built below, from `auth`): invalidateUser reaches it.
  const auth = buildAuthentication(hosted, wsPath, (userId) => manager.users.require(userId));
  if (auth.tokensKeyMissing) logger.info(TOKENS_OFF_WITHOUT_KEY);
  const directory = buildUserDirectory(hosted);
  const access = buildAccess(hosted, directory);
  const metrics = createRegistry(options.processMetrics ?? true);
  const { container, manager } = buildManager(hosted, auth, access, directory, logger, metrics);
  const { router, opsRouter, release: releaseRoutes } = buildRoutes(hosted, auth, access, manager, logger, metrics);
  if (options.broker) brokersInUse.add(options.broker);
  const upgrade = createUpgradeHandler(manager, {
    path: wsPath,
    isOriginAllowed: access.isOriginAllowed,
    logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
  });

  /** The functions that undo each `attach` still in place: close() calls them. */
  const attached = new Set<() => void>();

  return {
    router,
    opsRouter,
    manager,
    container,
    metrics,
    events: manager.hostEvents,
    tokens: parlorTokens(auth.tokens, manager, auth.tokensKeyMissing ? TOKENS_OFF_WITHOUT_KEY : undefined),
    invalidateUser: (userId) => manager.invalidate({ userId: requireUserId(userId, 'invalidateUser') }),
    invalidateGroup: (groupId) => manager.invalidate({ groupId: requireGroupId(groupId, 'invalidateGroup') }),
    handleUpgrade: upgrade.handle,
    disconnectSession: (sessionId) => void manager.disconnect({ sessionId: requireSessionId(sessionId, 'disconnectSession') }),
    disconnectUser: (userId) => void manager.disconnect({ userId: requireUserId(userId, 'disconnectUser') }),
    attach: (server, { path = wsPath } = {}) => {
      // Once close() was called an attach would outlive it: nobody would undo its listener and path claim.
      const { lifecycle } = manager;
      if (lifecycle !== 'running') {
        throw new Error(
          `attach: this Parlor is ${lifecycle} (parlor.close() was called${lifecycle === 'closing' ? ' and has not finished' : ''}); it serves no more upgrades: create a new Parlor (createParlor) and attach that one`,
        );
      }
      const stopListening = listenForUpgrades(server, path, upgrade.handleAt(path), logger, { mount: upgrade, tokenScope: auth.defaultTokenScope });
      const detach = () => {
        attached.delete(detach);
        stopListening();
      };
      attached.add(detach);
      return detach;
    },
    async close() {
      try {
        await manager.close();
        upgrade.wss.close();
      } finally {
        // Answered 503 while closing; released after, so a new Parlor can attach to the same server and path.
        for (const detach of [...attached]) detach();
        // The auth limiter's sweep timer: a closed Parlor leaves none behind (a host's fake timers count it).
        releaseRoutes();
        // Parlor's session's listeners on stores.sessions: the stores outlive this Parlor, and may serve the next one.
        auth.release();
      }
    },
  };
}

/**
 * The brokers a Parlor was built on. A broker hands what it receives to one
 * Manager (`setDeliver` and the other handlers keep the last one set): a
 * second Parlor on it would take the first one's frames. Never released:
 * `parlor.close()` closes the broker too.
 */
const brokersInUse = new WeakSet<Broker>();

function refuseBrokerInUse(broker: Broker | undefined): void {
  if (broker && brokersInUse.has(broker)) {
    throw new ParlorOptionsError([
      'broker: already serves another Parlor (a broker delivers to one Parlor only): give each mount its own broker, with its own prefix',
    ]);
  }
}
