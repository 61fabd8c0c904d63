import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { warnAboutUnregisteredAdmins } from './admin-users.js';
import { createParlor, type Parlor, type ParlorOptions } from './app.js';
import { RedisBroker } from './broker/redis-broker.js';
import { demoPage } from './http/demo-page.js';
import { errorHandler, noSuchRoute } from './http/http-error.js';
import { ConfigError, loadConfig, trustProxySetting, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import type { ManagerOptions } from './websocket/options.js';
import { resolveSessionSecret } from './session/secret.js';
import { openStores } from './store/open-stores.js';
import { DatabaseOpenError } from './store/sqlite/database.js';
import type { Stores } from './store/types.js';

export interface RunningServer {
  url: string;
  server: Server;
  parlor: Parlor;
  stores: Stores;
  config: Config;
  /** Graceful stop: no new connections, stored writes finished, sockets closed with 1001, stores closed. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Default: a pino logger at LOG_LEVEL. */
  logger?: Logger;
  /** Manager options that have no environment variable (e.g. `typingTimeoutMs`), for embedders and tests. */
  manager?: Partial<ManagerOptions>;
  /** The host's users and groups (contract section 4), for embedders and `npm run bench -- --host-interfaces`. Default: Parlor's own. */
  host?: Pick<ParlorOptions, 'userDirectory' | 'groupMemberFetcher'>;
  /** Routes served before Parlor's, e.g. the host's own group management when it owns the groups. */
  hostRoutes?: (parlor: Parlor) => RequestHandler;
  /** The demo page's folder. Default: `public` next to this file (dist/public once built). */
  publicDir?: string;
}

/** A SQLITE_PATH that cannot be opened is a bad value like any other: it stops the start with the variable's name. */
function namingSqlitePath(err: unknown): never {
  throw err instanceof DatabaseOpenError ? new ConfigError(`SQLITE_PATH: ${err.message}`) : err;
}

/** Listen errors that are a bad HOST or PORT, not an outage: the start stops naming the variable. */
const LISTEN_ERRORS_OF: Record<string, 'HOST' | 'PORT'> = {
  EADDRNOTAVAIL: 'HOST', // not an address of this machine
  ENOTFOUND: 'HOST', // a name that does not resolve
  EAI_AGAIN: 'HOST', // a name the resolver could not look up now
  EACCES: 'PORT', // a privileged port
  EADDRINUSE: 'PORT', // taken by another process
};

/** `server.listen` on HOST and PORT; an error that is a bad value of either is a ConfigError naming it. */
function listen(server: Server, config: Config): Promise<void> {
  return new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const name = err.code === undefined ? undefined : LISTEN_ERRORS_OF[err.code];
      fail(name ? new ConfigError(`${name}: cannot listen on ${config.HOST} port ${config.PORT}: ${err.message}`) : err);
    });
    server.listen(config.PORT, config.HOST, () => ok());
  });
}

/** `npm start`: the whole contract on one port, configured by the environment. */
export async function startServer(env: NodeJS.ProcessEnv = process.env, options: StartServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig(env);
  const log = options.logger ?? createLogger(config.LOG_LEVEL);
  const stores = await openStores({
    sqlitePath: config.SQLITE_PATH,
    databaseUrl: config.DATABASE_URL,
    databaseSchema: config.DATABASE_SCHEMA,
    databasePoolSize: config.DATABASE_POOL_SIZE,
    membershipCacheGroups: config.MEMBERSHIP_CACHE_GROUPS,
    logger: log,
  }).catch(namingSqlitePath);
  // Nothing left open by a start that fails after the stores opened: the broker's connections, the Parlor, the stores.
  const opened: OpenedSoFar = {};
  const { broker, parlor, server } = await serveOn(stores, config, log, options, opened).catch(async (err: unknown) => {
    await closeAfterFailedStart(opened, stores, log);
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const url = `http://${host}:${port}`;
  log.info(
    { url, ws: `${url.replace('http', 'ws')}/ws`, store: stores.description, broker: broker?.description ?? 'in-process' },
    `Parlor listening on ${url}`,
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('shutting down: finishing stored writes, closing sockets with 1001');
      const httpClosed = new Promise<void>((ok) => server.close(() => ok()));
      await parlor.close(); // closes the broker too (heartbeat key removed: survivors sweep this instance's users)
      server.closeIdleConnections();
      await Promise.race([httpClosed, new Promise((r) => setTimeout(r, 5000).unref())]);
      server.closeAllConnections();
      await stores.close();
      log.info('stopped');
    })());

  return { url, server, parlor, stores, config, close };
}

/** What a start opened so far, past its stores: closed again if it fails. */
interface OpenedSoFar {
  broker?: RedisBroker;
  parlor?: Parlor;
}

/** The start after the stores: the session secret, the broker, the Parlor, the app, listening on HOST and PORT. */
async function serveOn(
  stores: Stores,
  config: Config,
  log: Logger,
  options: StartServerOptions,
  opened: OpenedSoFar,
): Promise<{ broker: RedisBroker | undefined; parlor: Parlor; server: Server }> {
  const secret = resolveSessionSecret(config.SESSION_SECRET, resolve(dirname(config.SQLITE_PATH)));
  if (secret.source === 'generated') log.warn({ path: secret.path }, 'SESSION_SECRET not set: generated one and saved it');
  if (secret.source === 'file') log.info({ path: secret.path }, 'SESSION_SECRET not set: using the one saved earlier');
  await warnAboutUnregisteredAdmins(stores.users, config.ADMIN_USERS, log);

  // Instances sharing REDIS_PREFIX form one cluster; a dead one's users go offline within PRESENCE_TTL_MS + PRESENCE_SWEEP_MS.
  const broker = (opened.broker = config.REDIS_URL
    ? new RedisBroker({
        url: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        presenceTtlMs: config.PRESENCE_TTL_MS,
        sweepIntervalMs: config.PRESENCE_SWEEP_MS,
        logger: log,
      })
    : undefined);
  if (broker) log.info({ broker: broker.description, prefix: broker.names.prefix, instance: broker.instanceId }, `broker: ${broker.description}`);
  if (broker) await waitForBroker(broker, log);

  const parlor = (opened.parlor = createParlor({
    ...options.host,
    stores,
    broker,
    sessionSecret: secret.secret,
    allowedOrigins: config.ALLOWED_ORIGINS,
    // The very setting Express gets below: the origin check believes X-Forwarded-Proto from the same peers as req.protocol.
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    adminUsers: config.ADMIN_USERS,
    authRateLimit: config.AUTH_RATE_LIMIT,
    passwordHashCost: config.PASSWORD_HASH_COST,
    tokens: { secret: config.TOKEN_SECRET, ttlSeconds: config.TOKEN_TTL_SECONDS },
    httpRateLimit: {
      sends: { rate: config.WS_RATE_LIMIT, burst: config.WS_RATE_BURST },
      reads: config.HTTP_READ_RATE_LIMIT > 0 && { rate: config.HTTP_READ_RATE_LIMIT, burst: config.HTTP_READ_BURST },
    },
    logger: log,
    manager: {
      maxFrameBytes: config.MAX_FRAME_BYTES,
      rateLimit: config.WS_RATE_LIMIT,
      rateBurst: config.WS_RATE_BURST,
      connectRate: config.WS_CONNECT_RATE,
      connectBurst: config.WS_CONNECT_BURST,
      newConversationsPerDay: config.NEW_CONVERSATIONS_PER_DAY,
      maxBufferedBytes: config.MAX_BUFFERED_BYTES,
      maxConnectionsPerUser: config.MAX_CONNECTIONS_PER_USER,
      heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
      sessionRecheckMs: config.SESSION_RECHECK_MS,
      ...options.manager,
    },
  }));

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(config.TRUST_PROXY));
  // The demo chat page at `/` (scripts/build-demo.mjs puts it in dist/public, next to this file once built).
  const publicDir = options.publicDir ?? fileURLToPath(new URL('./public', import.meta.url));
  if (existsSync(publicDir)) app.use(demoPage(publicDir));
  if (options.hostRoutes) app.use(options.hostRoutes(parlor));
  app.use(parlor.router);
  app.use(parlor.opsRouter);
  // The standalone server owns every path: any request nothing above answered (an unknown API route, `//api/...`,
  // `/healthz/`, a GET of /ws without an Upgrade) is a JSON 404, and every error JSON, never Express's HTML page.
  app.use(noSuchRoute);
  app.use(errorHandler(log));

  const server = createServer(app);
  parlor.attach(server);
  await listen(server, config);
  return { broker, parlor, server };
}

/** Closes what a failed start opened (the Parlor closes its broker); a failure to close is a warning, the start's own error is what is thrown. */
async function closeAfterFailedStart(opened: OpenedSoFar, stores: Stores, log: Logger): Promise<void> {
  const warn = (what: string) => (err: unknown) => log.warn({ err }, `closing ${what} after a failed start failed`);
  if (opened.parlor) await opened.parlor.close().catch(warn('Parlor'));
  else if (opened.broker) await opened.broker.close().catch(warn('the broker'));
  await Promise.resolve(stores.close()).catch(warn('the stores'));
}

/**
 * Up to 5 s for Redis before serving. Unreachable: served anyway, local
 * connections only, while the broker retries. A database Redis refuses (the
 * /db of REDIS_URL past its `databases`) is fatal: the start stops, naming it,
 * rather than run on without a broker for good.
 */
async function waitForBroker(broker: RedisBroker, log: Logger): Promise<void> {
  try {
    await broker.waitUntilReady(5000);
  } catch (err) {
    if (broker.refused) throw broker.refused;
    log.warn({ broker: broker.description }, 'Redis not reachable yet: serving local connections only, retrying');
  }
}
