/**
 * Parlor's library API. Mount into an existing Express app that owns its sessions:
 *
 *   const parlor = createParlor({
 *     sessionResolver: expressSessionResolver(hostSession, (session) => session.userId),
 *     stores: openSqliteStores({ path: './data/chat.db' }),
 *   });   // no token key: bearer tokens are off (the log says so); add tokens: { secret } for them
 *   app.use('/chat', parlor.router);
 *   parlor.attach(server, { path: '/chat/ws' });
 */
import 'reflect-metadata';

export { createParlor, type Parlor, type ParlorOptions, type ParlorTokens } from './app.js';
export { ParlorOptionsError } from './parlor-options.js';
export { InterfaceFailure, type InterfaceName } from './interface-failure.js';
export { createParlorContainer, type ContainerBindings } from './container.js';
export { loadConfig, type Config } from './config.js';
export type { TrustProxySetting } from './trust-proxy.js';
export { startServer, type RunningServer } from './standalone.js';
export { CloseCode, FrameErrorCode, HttpErrorCode, ParlorError } from './errors.js';
export { createLogger, type Logger } from './logger.js';
export * from './tokens.js';
export type * from './types.js';

export { Manager } from './websocket/manager.js';
export type { ContactChangeOptions } from './websocket/presence.js';
export type { ManagerOptions } from './websocket/options.js';
export { DEFAULT_MANAGER_OPTIONS } from './websocket/options.js';
export type { SessionResolver, Identity } from './websocket/session-resolver.js';
export type { GroupMemberFetcher, GroupMember, GroupOfUser } from './websocket/group-member-fetcher.js';
export type { MessagePolicy, PolicyInput, PolicyResult } from './websocket/message-policy.js';
export { HostEvents, type HostEventMap, type HostEventName, type HostListener } from './websocket/host-events.js';
export type { Profile, UserDirectory } from './websocket/user-directory.js';
export type { ConsentStore, Relation, BlockedUser } from './websocket/consent-store.js';
export type {
  MessagePersister,
  SavePrivateInput,
  SaveGroupInput,
  Saved,
  ReadResult,
  GroupReadResult,
} from './websocket/message-persister.js';
export { InProcessBroker, type Broker, type Envelope } from './websocket/broker.js';
// ioredis is loaded with the package (about 85 ms once); pg only when openPostgresStores is called.
export { RedisBroker, type RedisBrokerOptions, type RedisBrokerStatus } from './broker/redis-broker.js';
export type { SocketLike } from './websocket/connection.js';
export * from './websocket/protocol.js';
export {
  expressSessionResolver,
  type ExpressSessionResolverOptions,
  type UserIdOf,
  type HostSession,
} from './session/express-session-resolver.js';
export { FirstMatchResolver } from './session/first-match-resolver.js';

export { openStores, openPostgresStores } from './store/open-stores.js';
export type { PostgresStores, PostgresStoresOptions } from './store/postgres/index.js';
export { openSqliteStores } from './store/sqlite/index.js';
export type * from './store/types.js';
