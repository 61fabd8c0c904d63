import type { LiveSessions } from '../store/types.js';
import type { SessionResolver } from '../websocket/session-resolver.js';

/**
 * Where the session re-check asks (contract section 5): the host resolver's
 * own `stillValid` when it has one; Parlor's session store (one batched query)
 * when Parlor owns the sessions; nowhere for a host resolver without it.
 */
export function stillValidOf(hostResolver: SessionResolver | undefined, ownStore: LiveSessions): SessionResolver['stillValid'] {
  if (hostResolver) return hostResolver.stillValid?.bind(hostResolver);
  return (sessionIds) => ownStore.liveSessionIds(sessionIds);
}

/** The resolver with `stillValid` set (or left out); `resolve` is untouched. */
export function withStillValid(resolver: SessionResolver, stillValid: SessionResolver['stillValid']): SessionResolver {
  if (!stillValid) return resolver;
  return { resolve: (req) => resolver.resolve(req), stillValid };
}
