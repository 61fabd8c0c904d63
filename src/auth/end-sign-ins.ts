import type { UserSessions } from '../store/types.js';
import type { KeptSession } from '../websocket/disconnect-order.js';
import type { Manager } from '../websocket/manager.js';
import { revokeTokens } from './token-revocation.js';
import type { TokenService } from './token-service.js';

/**
 * Ends every sign-in of a Parlor account at once: `POST /api/auth/logout-all`,
 * and `POST /api/auth/password` after the new hash is stored. In this order:
 *
 * 1. every Parlor session of the user is deleted from the session store, but
 *    the one `keep` names by its new id (the password change's own session,
 *    regenerated);
 * 2. every token issued to the user so far is revoked (revokeTokens: the
 *    token version moves on, and the token sockets close with 4401 on every
 *    instance). After the sessions: `POST /api/auth/token` by cookie checks,
 *    once its token is signed, that its session still exists, so a token
 *    minted by a deleted session is either refused there or older than this
 *    revocation;
 * 3. then the user's cookie sockets close with 4401 (`logged out`) on every
 *    instance, but those of the kept session, which answer to its new id from
 *    now on. After the delete, not before: a socket closed first could open
 *    again with a cookie whose session was not yet deleted.
 *
 * A login or a token by password whose check ran before a password change
 * stored its hash asks again once its session or token exists
 * (`CheckedCredentials.stillValid`): one written after these steps ran is
 * refused there.
 *
 * A step that fails throws, and the steps after it have not run: the caller
 * answers 503, and a retry (or `logout-all`) runs them all again.
 * Without a TokenService (`tokens: false`) no token is accepted, and there is
 * none to revoke.
 */
export async function endSignIns(
  { sessions, tokens, manager }: { sessions: UserSessions; tokens?: TokenService; manager: Manager },
  userId: number,
  keep?: KeptSession,
): Promise<void> {
  await sessions.destroyUserSessions(userId, keep?.renamedTo);
  if (tokens) await revokeTokens(tokens, manager, userId);
  manager.disconnect(keep ? { userId, via: 'cookie', keep } : { userId, via: 'cookie' });
}
