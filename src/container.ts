import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { hostGroupMemberFetcher, hostMessagePersister, hostSessionResolver, hostUserDirectory } from './composition/host-interfaces.js';
import { InProcessBroker, type Broker } from './websocket/broker.js';
import type { ConsentStore } from './websocket/consent-store.js';
import type { GroupMemberFetcher } from './websocket/group-member-fetcher.js';
import { Manager } from './websocket/manager.js';
import type { MessagePersister } from './websocket/message-persister.js';
import type { ManagerOptions } from './websocket/options.js';
import type { SessionResolver } from './websocket/session-resolver.js';
import type { UserDirectory } from './websocket/user-directory.js';
import { BROKER, CONSENT_STORE, GROUP_MEMBER_FETCHER, MANAGER_OPTIONS, MESSAGE_PERSISTER, SESSION_RESOLVER, USER_DIRECTORY } from './tokens.js';

export interface ContainerBindings {
  sessionResolver: SessionResolver;
  groupMemberFetcher: GroupMemberFetcher;
  messagePersister: MessagePersister;
  /** Who the users are; without it the Manager checks no user's existence (the persister decides). */
  userDirectory?: UserDirectory;
  managerOptions?: Partial<ManagerOptions>;
  broker?: Broker;
  /** Message requests and blocks; without one, everyone may write to everyone. */
  consentStore?: ConsentStore;
}

/**
 * A child container per mount (tsyringe "Child Containers"): two mounts, or
 * two tests, never share a Manager. Every interface is registered by token,
 * so a host overrides one by passing its own implementation. The host's
 * session resolver, fetcher, directory and persister are prepared as
 * createParlor prepares them (src/composition/host-interfaces.ts): ids as
 * numbers, a failure of the first three logged as the interface's.
 */
export function createParlorContainer(bindings: ContainerBindings, parent: DependencyContainer = rootContainer): DependencyContainer {
  const c = parent.createChildContainer();
  c.register(SESSION_RESOLVER, { useValue: hostSessionResolver(bindings.sessionResolver) });
  c.register(GROUP_MEMBER_FETCHER, { useValue: hostGroupMemberFetcher(bindings.groupMemberFetcher) });
  c.register(MESSAGE_PERSISTER, { useValue: hostMessagePersister(bindings.messagePersister) });
  if (bindings.userDirectory) c.register(USER_DIRECTORY, { useValue: hostUserDirectory(bindings.userDirectory) });
  c.register(MANAGER_OPTIONS, { useValue: bindings.managerOptions ?? {} });
  c.register(BROKER, { useValue: bindings.broker ?? new InProcessBroker() });
  if (bindings.consentStore) c.register(CONSENT_STORE, { useValue: bindings.consentStore });
  c.registerSingleton(Manager);
  return c;
}
