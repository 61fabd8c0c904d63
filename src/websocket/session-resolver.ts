import type { IncomingMessage } from 'node:http';
import type { Awaitable } from '../types.js';

/** Who an upgrade request (or HTTP request) belongs to. */
export interface Identity {
  userId: number;
  username?: string;
  /**
   * The session id, so logout can close exactly that session's sockets. One
   * sign-in of one user: a socket that opens for it as another user closes the
   * earlier user's sockets of it (SessionOwners).
   */
  sessionId?: string;
  /**
   * How the request proved who it is. Only `token` (a bearer token, which a
   * browser never attaches by itself) is exempt from the upgrade's Origin
   * check; `cookie`, and an identity without `via` or with any other value,
   * get it (a foreign Origin is 403), and are re-checked as cookies (stillValid).
   */
  via: 'cookie' | 'token';
  /**
   * When the credential ends (Unix ms): a bearer token's `exp`. The socket is
   * closed with 4401 then, unless a `refresh` frame moved it. Absent: no deadline.
   */
  expiresAt?: number;
  /**
   * Parlor's own bearer tokens: the user's token version the token was issued
   * with. Revoking moves the version on, and the re-check (every
   * `sessionRecheckMs`) closes the sockets still holding an older one, even
   * where the revocation order itself was lost with the broker.
   */
  tokenVersion?: number;
}

/** A bearer token a socket holds: whose, and the token version it was issued with. */
export interface TokenInUse {
  userId: number;
  version: number;
}

/**
 * Required: `resolve(req)` -> the identity behind the request, or null when it
 * carries no valid credentials. Throwing (store unreachable) makes the upgrade
 * answer 503, never 401.
 *
 * Optional: `stillValid(sessionIds, openedAs)` -> the ids among `sessionIds`
 * whose session still exists and has not expired. The Manager asks it once
 * per `sessionRecheckMs` with the session ids of all its cookie sockets, and
 * closes the sockets of the missing ones with 4401; throwing keeps them open
 * (an outage is not a logout). Without it, cookie sockets are not re-checked.
 * `openedAs(sessionId)` is the user this process's open sockets of that
 * session opened as: a resolver that can read who the session holds now
 * leaves out a session that holds another user (expressSessionResolver does).
 */
export interface SessionResolver {
  resolve(req: IncomingMessage): Awaitable<Identity | null>;
  stillValid?(sessionIds: readonly string[], openedAs?: (sessionId: string) => number | undefined): Awaitable<Iterable<string>>;
}
