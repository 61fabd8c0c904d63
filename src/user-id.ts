/**
 * The ids a host hands Parlor's calls, read and checked in one place.
 *
 * A user id as a host may hold it: a positive safe integer, or one written in
 * digits (`pg` gives bigint columns as strings, and many session stores keep
 * what they were given). One reading for every place a host hands Parlor a
 * user id.
 */
export function asUserId(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * The id a host passed to one of Parlor's calls, as a number. Anything else
 * is a TypeError naming the call: with a string that matched no socket, a
 * ban would silently close nothing.
 */
export function requireUserId(value: unknown, call: string): number {
  return requireId(value, call, 'a user id');
}

/**
 * The same for a group id (group ids have the shape of user ids): a string
 * would match no cached group, and an invalidation would forget nothing.
 */
export function requireGroupId(value: unknown, call: string): number {
  return requireId(value, call, 'a group id');
}

/**
 * A session id: a non-empty string. `req.session?.id` on a request without a
 * session is undefined, and "no session" names no session: an order for it
 * must not reach every socket that has none (bearer tokens, header sign-ins).
 */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The session id a host passed to one of Parlor's calls (`disconnectSession`); anything else is a TypeError naming the call. */
export function requireSessionId(value: unknown, call: string): string {
  if (!isSessionId(value)) {
    throw new TypeError(`${call}: a session id is a non-empty string, not ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

function requireId(value: unknown, call: string, what: string): number {
  const id = asUserId(value);
  if (id === null) throw new TypeError(`${call}: ${what} is a positive integer (or one in digits), not ${JSON.stringify(value) ?? String(value)}`);
  return id;
}
