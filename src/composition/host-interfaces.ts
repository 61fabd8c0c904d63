import type { ParlorOptions } from '../app.js';
import { answerWithin, DEFAULT_INTERFACE_TIMEOUT_MS, guardInterface, isThenable, selfBoundedMethods } from '../interface-failure.js';
import type { GroupMemberFetcher } from '../websocket/group-member-fetcher.js';
import type { MessagePersister } from '../websocket/message-persister.js';
import type { MessagePolicy } from '../websocket/message-policy.js';
import type { SessionResolver } from '../websocket/session-resolver.js';
import type { UserDirectory } from '../websocket/user-directory.js';
import { withNumericIds } from './host-group-ids.js';
import { withNumericMessageIds } from './host-message-ids.js';
import { withReadSessionIds } from './host-session-ids.js';
import { withNumericUserIds } from './host-user-ids.js';

/**
 * The one home of what a host's interface gets before the Manager sees it,
 * whichever way it arrives (`createParlor`, or `createParlorContainer` and
 * `container.resolve(Manager)`): its ids read as numbers (`pg` gives bigint
 * columns as strings), its failures reported as the host's, a warning naming
 * it and a 503, and every call given `deadlineMs` to answer in
 * (guardInterface; `createParlor`'s `interfaceTimeoutMs`, default 5000 ms).
 * `createParlor` prepares what it binds itself (the host's, or Parlor's own
 * stores, which need neither) and marks it, so the container leaves those as
 * they are. One host object gets one prepared wrapper per interface it serves
 * and deadline, however many parts of Parlor ask for it (the Manager and the
 * list routes share the persister's).
 */
const prepared = new WeakSet<object>();
/** Per host object, its wrappers by interface and deadline: one object may serve as two interfaces (a user service that is both directory and resolver). */
const madeFrom = new WeakMap<object, Map<string, object>>();

/** Marks what createParlor bound as ready for the Manager: the container passes it on untouched. */
export function preparedForManager<T extends object>(impl: T): T {
  prepared.add(impl);
  return impl;
}

/** The prepared form of `host` as interface `role`: made once per role and deadline by `prepare`, then the same object for every caller. */
function preparedOnce<T extends object>(host: T, role: string, deadlineMs: number | undefined, prepare: (host: T) => T): T {
  if (prepared.has(host)) return host;
  let made = madeFrom.get(host);
  if (!made) madeFrom.set(host, (made = new Map()));
  const key = `${role} ${deadlineMs ?? 'none'}`;
  let known = made.get(key) as T | undefined;
  if (!known) made.set(key, (known = preparedForManager(prepare(host))));
  return known;
}

/**
 * `options` with the host's session resolver, group fetcher, user directory
 * and message policy prepared, each call given `interfaceTimeoutMs` (by
 * default `sessionTimeoutMs`, so a session lookup is bounded alike on HTTP
 * and on the upgrade, else 5000 ms): what createParlor builds everything
 * else from.
 */
export function withHostInterfaces(options: ParlorOptions): ParlorOptions {
  const deadlineMs = options.interfaceTimeoutMs ?? options.sessionTimeoutMs ?? DEFAULT_INTERFACE_TIMEOUT_MS;
  return {
    ...options,
    sessionResolver: options.sessionResolver && hostSessionResolver(options.sessionResolver, deadlineMs),
    groupMemberFetcher: options.groupMemberFetcher && hostGroupMemberFetcher(options.groupMemberFetcher, deadlineMs),
    userDirectory: options.userDirectory && hostUserDirectory(options.userDirectory, deadlineMs),
    messagePolicy: options.messagePolicy && hostMessagePolicy(options.messagePolicy, deadlineMs),
    // The policy may come as a Manager option too (`manager.messagePolicy`, which wins there): the same deadline.
    manager: options.manager?.messagePolicy ? { ...options.manager, messagePolicy: hostMessagePolicy(options.manager.messagePolicy, deadlineMs) } : options.manager,
  };
}

export function hostGroupMemberFetcher(fetcher: GroupMemberFetcher, deadlineMs = DEFAULT_INTERFACE_TIMEOUT_MS): GroupMemberFetcher {
  return preparedOnce(fetcher, 'groupMemberFetcher', deadlineMs, (f) => guardInterface('groupMemberFetcher', withNumericIds(f), deadlineMs));
}

export function hostUserDirectory(directory: UserDirectory, deadlineMs = DEFAULT_INTERFACE_TIMEOUT_MS): UserDirectory {
  return preparedOnce(directory, 'userDirectory', deadlineMs, (d) => guardInterface('userDirectory', withNumericUserIds(d), deadlineMs));
}

export function hostSessionResolver(resolver: SessionResolver, deadlineMs = DEFAULT_INTERFACE_TIMEOUT_MS): SessionResolver {
  // A method that bounds each of its own calls (expressSessionResolver's stillValid: one store get at a time, each
  // with its limit) is not cut off as a whole: a re-check of thousands of sessions may take longer than deadlineMs.
  return preparedOnce(resolver, 'sessionResolver', deadlineMs, (r) => guardInterface('sessionResolver', withReadSessionIds(r), deadlineMs, selfBoundedMethods(r)));
}

/**
 * The deadline only: a `check` that throws is the host's own code failing
 * (`internal`, docs/contract.md), not a service that is down; one that does
 * not answer within `deadlineMs` is an InterfaceFailure naming it, and the
 * message ends in an error rather than holding its sender's later messages.
 */
export function hostMessagePolicy(policy: MessagePolicy, deadlineMs = DEFAULT_INTERFACE_TIMEOUT_MS): MessagePolicy {
  return preparedOnce(policy, 'messagePolicy', deadlineMs, (p) => {
    const check = p.check.bind(p);
    return {
      check: (input) => {
        const result = check(input);
        return isThenable(result) ? answerWithin(result, deadlineMs, 'messagePolicy', 'messagePolicy.check') : result;
      },
    };
  });
}

/**
 * Ids read as numbers only: a persister's failure is no host outage to
 * answer 503 for (the Manager reports it as a failed write or read).
 */
export function hostMessagePersister(persister: MessagePersister): MessagePersister {
  return preparedOnce(persister, 'messagePersister', undefined, withNumericMessageIds);
}
