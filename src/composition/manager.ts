import type { Registry } from 'prom-client';
import type { DependencyContainer } from 'tsyringe';
import type { ParlorOptions } from '../app.js';
import { createParlorContainer } from '../container.js';
import { guardInterface } from '../interface-failure.js';
import { hostGroupMemberFetcher, hostMessagePersister, preparedForManager } from './host-interfaces.js';
import type { Logger } from '../logger.js';
import { observeManager, observeStores, timeStoreWrites } from '../metrics.js';
import { DEFAULT_GROUP_CACHE_SIZE } from '../websocket/known-groups.js';
import { Manager } from '../websocket/manager.js';
import type { UserDirectory } from '../websocket/user-directory.js';
import type { Access } from './access.js';
import type { Authentication } from './authentication.js';

/**
 * The container with every interface bound (the host's, else the stores'),
 * and the Manager it builds, observed by `metrics`.
 */
export function buildManager(
  options: ParlorOptions,
  auth: Authentication,
  access: Access,
  directory: UserDirectory,
  logger: Logger,
  metrics: Registry,
): { container: DependencyContainer; manager: Manager } {
  const { stores } = options;
  const tokens = auth.tokens;
  const container = createParlorContainer({
    // Already guarded where it is the host's (authentication.ts): a failure of Parlor's token store is not the host's.
    sessionResolver: preparedForManager(auth.resolver),
    // Parlor's own group store keeps numeric ids; its failures still go out as the fetcher's, as before.
    groupMemberFetcher: options.groupMemberFetcher
      ? hostGroupMemberFetcher(options.groupMemberFetcher)
      : preparedForManager(guardInterface('groupMemberFetcher', stores.groups)),
    // Only a host's persister has its ids read as numbers, inside the timing; the timed one is marked, so the
    // container leaves it (Parlor's own stores included) as it is: no wrapper on their hot path.
    messagePersister: preparedForManager(
      timeStoreWrites(options.messagePersister ? hostMessagePersister(options.messagePersister) : stores.messages, metrics),
    ),
    userDirectory: directory,
    managerOptions: {
      isAdmin: access.isAdmin,
      logger,
      messagePolicy: options.messagePolicy,
      verifyToken: tokens && ((token) => tokens.verify(token)),
      tokensStillCurrent: tokens && ((inUse) => tokens.stillCurrent(inUse)),
      ...options.manager,
      // Parlor's own group stores cache members themselves (invalidated by their writes); only a host's fetcher needs this one.
      groupCacheSize: options.groupMemberFetcher ? (options.manager?.groupCacheSize ?? DEFAULT_GROUP_CACHE_SIZE) : 0,
      // The bundled stores read Parlor's memberships themselves; a host's fetcher or persister is asked for them.
      storesKnowGroups: !options.groupMemberFetcher && !options.messagePersister,
      // Parlor's messages table records who wrote to whom (a trigger); a host's persister's messages never reach it.
      storesKnowWriters: !options.messagePersister,
      // Parlor's ConsentStore reads Parlor's memberships; only a host's groups need the fetcher's contactsOf for consent.
      consentStoreKnowsGroups: !options.groupMemberFetcher,
    },
    broker: options.broker,
    consentStore: stores.consent,
  });
  const manager = container.resolve(Manager);
  observeManager(metrics, manager, options.broker);
  observeStores(metrics, stores);
  return { container, manager };
}
