import { requireUserId } from '../user-id.js';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';
import { mapAwaitable } from './host-group-ids.js';

/**
 * A host's SessionResolver with the ids it answers read as the other host
 * interfaces' ids are (src/composition/host-user-ids.ts). `resolve`'s
 * `userId` as a number: `pg` gives bigint columns as strings, and a socket
 * registered under `'902'` would get no message sent to user 902. Digits are
 * read as the id (src/user-id.ts); any other id is a TypeError naming the
 * method, which the guard reports as the resolver failing (503), never as a
 * user. `stillValid`'s answer as session ids, compared as strings (an integer
 * key answered as numbers is the same session); an answer that is no list at
 * all (a missing `return`) is a TypeError too, the resolver failing, which
 * keeps the sockets open: an outage is not a logout.
 */
export function withReadSessionIds(resolver: SessionResolver): SessionResolver {
  const read: SessionResolver = {
    resolve: (req) => mapAwaitable(resolver.resolve(req), numericUserId),
  };
  if (resolver.stillValid) {
    const stillValid = resolver.stillValid.bind(resolver);
    read.stillValid = (sessionIds, openedAs) => mapAwaitable(stillValid(sessionIds, openedAs), liveSessionIds);
  }
  return read;
}

/**
 * The user id as a number, the session id as a string (an integer key as its
 * digits, as stillValid's answer is read: the re-check and disconnectSession
 * compare strings), and `via` as Parlor reads it: anything but `'token'`
 * (none, a typo) is a cookie, checked and re-checked as one.
 */
function numericUserId(identity: Identity | null): Identity | null {
  if (!identity) return identity;
  const userId = requireUserId(identity.userId, 'sessionResolver.resolve');
  const sessionId = identity.sessionId === undefined ? undefined : sessionIdOf(identity.sessionId, 'sessionResolver.resolve');
  const via = identity.via === 'token' ? 'token' : 'cookie';
  if (userId === identity.userId && sessionId === identity.sessionId && via === identity.via) return identity;
  return { ...identity, userId, sessionId, via };
}

function liveSessionIds(live: Iterable<string>): string[] {
  if (typeof (live as Partial<Iterable<string>> | null | undefined)?.[Symbol.iterator] !== 'function' || typeof live === 'string') {
    // The answer's type only: what it holds may be session ids, which no log line shows.
    throw new TypeError(`sessionResolver.stillValid: the answer is a list of session ids, not ${live === null ? 'null' : typeof live}`);
  }
  return [...live].map((id) => sessionIdOf(id, 'sessionResolver.stillValid'));
}

/** A session id as a string: an integer key as its digits; any other type a TypeError naming `method` (no value quoted: it may be a credential). */
function sessionIdOf(id: unknown, method: string): string {
  if (typeof id === 'string') return id;
  if ((typeof id === 'number' && Number.isSafeInteger(id)) || typeof id === 'bigint') return String(id);
  throw new TypeError(`${method}: a session id is a string (or an integer), not ${id === null ? 'null' : typeof id}`);
}
