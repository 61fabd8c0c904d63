import { guardInterface } from '../interface-failure.js';
import type { GroupMemberFetcher } from '../websocket/group-member-fetcher.js';
import type { MessagePersister } from '../websocket/message-persister.js';
import type { SessionResolver } from '../websocket/session-resolver.js';
import type { UserDirectory } from '../websocket/user-directory.js';
import { withNumericIds } from './host-group-ids.js';
import { withNumericMessageIds } from './host-message-ids.js';
import { withNumericUserIds } from './host-user-ids.js';

/**
 * The one home of what a host's interface gets before the Manager sees it,
 * whichever way it arrives (`createParlor`, or `createParlorContainer` and
 * `container.resolve(Manager)`): its ids read as numbers (`pg` gives bigint
 * columns as strings) and its failures reported as the host's, a warning
 * naming it and a 503 (guardInterface). `createParlor` prepares what it binds
 * itself (the host's, or Parlor's own stores, which need neither) and marks
 * it, so the container leaves those as they are. One host object gets one
 * prepared wrapper, however many parts of Parlor ask for it (the Manager and
 * the list routes share the persister's).
 */
const preparedOf = new WeakMap<object, object>();

/** Marks what createParlor bound as ready for the Manager: the container passes it on untouched. */
export function preparedForManager<T extends object>(impl: T): T {
  preparedOf.set(impl, impl);
  return impl;
}

/** The prepared form of `host`: made once by `prepare`, then the same object for every caller. */
function preparedOnce<T extends object>(host: T, prepare: (host: T) => T): T {
  const known = preparedOf.get(host) as T | undefined;
  if (known) return known;
  const made = preparedForManager(prepare(host));
  preparedOf.set(host, made);
  return made;
}

export function hostGroupMemberFetcher(fetcher: GroupMemberFetcher): GroupMemberFetcher {
  return preparedOnce(fetcher, (f) => guardInterface('groupMemberFetcher', withNumericIds(f)));
}

export function hostUserDirectory(directory: UserDirectory): UserDirectory {
  return preparedOnce(directory, (d) => guardInterface('userDirectory', withNumericUserIds(d)));
}

export function hostSessionResolver(resolver: SessionResolver): SessionResolver {
  return preparedOnce(resolver, (r) => guardInterface('sessionResolver', r));
}

/**
 * Ids read as numbers only: a persister's failure is no host outage to
 * answer 503 for (the Manager reports it as a failed write or read).
 */
export function hostMessagePersister(persister: MessagePersister): MessagePersister {
  return preparedOnce(persister, withNumericMessageIds);
}
