/**
 * Ending every sign-in of a Parlor account, in one place and one order:
 * `POST /api/auth/logout-all` (logOutEverywhere) and `POST /api/auth/password`
 * after the new hash is stored (endOtherSignIns). The order keeps two rules:
 *
 * - The credential that asks goes last. Every step can fail (a store, the
 *   token versions); the request then answers 503, and the same credential
 *   can ask again until nothing is left but itself. A session deleted first
 *   would make that retry a 401 while the tokens it meant to end stay valid.
 * - No token minted meanwhile survives. `POST /api/auth/token` by cookie
 *   checks, once its token is signed, that its session still exists: a token
 *   signed before a session's delete is older than a revocation made after
 *   that delete, and one signed after it is refused there. So every
 *   revocation comes after the deletes of the sessions it must cover.
 *
 * Cookie sockets close by the ids of the sessions deleted (one session order
 * each), after their delete, not before: a socket closed first could open
 * again with a cookie whose session was not yet deleted. A sign-in made after
 * the delete (the new password, on another device) keeps its socket, also
 * one whose upgrade is under way: OrdersDuringUpgrade ends only those whose
 * session an order names. Token sockets close with the revocation
 * (revokeTokens).
 *
 * A login or a token by password whose check ran before a password change
 * stored its hash asks again once its session or token exists
 * (`CheckedCredentials.stillValid`, src/http/auth-routes.ts): one written
 * after these steps ran is refused there.
 *
 * Without a TokenService (`tokens: false`) no token is accepted, and there is
 * none to revoke.
 */
import type { UserSessions } from '../store/types.js';
import type { KeptSession } from '../websocket/disconnect-order.js';
import type { Manager } from '../websocket/manager.js';
import { revokeTokens } from './token-revocation.js';
import type { TokenService } from './token-service.js';

/** What ending a user's sign-ins works on. */
export interface SignInStores {
  sessions: UserSessions;
  tokens?: TokenService;
  manager: Manager;
}

/** A step failed: `askingEnded` tells whether the credential that asked had already ended (it cannot ask again). */
export class SignInsNotEnded extends Error {
  constructor(
    readonly askingEnded: boolean,
    options: { cause: unknown },
  ) {
    super('not every sign-in of the user could be ended', options);
    this.name = 'SignInsNotEnded';
  }
}

/** The cookie session a logout-all was asked with: its id, and how it is deleted (the request's own session). */
export interface AskingSession {
  sessionId: string;
  destroy(): Promise<void>;
}

/**
 * Log out everywhere, in this order:
 *
 * 1. every other session of the user is deleted, and its sockets close;
 * 2. every token issued so far is revoked (a request by token: its own too,
 *    the last thing that ends it, so a failure before leaves it working);
 * 3. the asking session is deleted (`asking.destroy`), and its sockets close;
 * 4. every token is revoked again: the asking session may have minted one
 *    between 2 and 3, which its check after signing let through.
 *
 * A failure at 1, 2 or 3 leaves the asking credential able to ask again; one
 * at 4 comes after its session ended (`askingEnded`): the client signs in
 * again and asks again.
 */
export async function logOutEverywhere(stores: SignInStores, userId: number, asking?: AskingSession): Promise<void> {
  await step(false, async () => {
    await endSessions(stores, userId, asking?.sessionId);
    await revoke(stores, userId);
    if (asking) {
      await asking.destroy();
      stores.manager.closeSession(asking.sessionId);
    }
  });
  if (asking) await step(true, () => revoke(stores, userId));
}

/**
 * The sign-ins a password change ends, once the new hash is stored. A change
 * made with a cookie session comes with `kept`: that session's new id, saved
 * beside the old one (the old id not yet deleted). In this order:
 *
 * 1. a keep order renames the kept session's sockets to the new id, here at
 *    once and on every other instance as the broker delivers it (awaited
 *    until the broker took it);
 * 2. every session of the user but the new id is deleted, the old id with
 *    them, and their sockets close;
 * 3. every token issued so far is revoked (a change made by token: its own
 *    too; the client gets a new one with the new password).
 *
 * A session re-check here asks about the old id until 1 and the new one after
 * it, and both exist until 2: the kept sockets are never taken for ended. On
 * another instance the rename arrives one broker hop after it was published,
 * and a re-check there that reads the sessions after 2 and before the order
 * came still closes a kept socket (4401 `session ended`); while Redis is
 * down the order never comes, and the kept sockets there end at their next
 * re-check (SESSION_RECHECK_MS): the client reconnects with its new cookie.
 *
 * Any failure leaves the new session signed in: the client can call
 * logout-all with it.
 */
export async function endOtherSignIns(stores: SignInStores, userId: number, kept?: KeptSession): Promise<void> {
  await step(false, async () => {
    if (kept) await stores.manager.keepSession(userId, kept);
    await endSessions(stores, userId, kept?.renamedTo);
    await revoke(stores, userId);
  });
}

/** Deletes every session of the user but `exceptSid`, then closes the sockets of exactly those (one session order each). */
async function endSessions({ sessions, manager }: SignInStores, userId: number, exceptSid?: string): Promise<void> {
  const deleted = await sessions.destroyUserSessions(userId, exceptSid);
  for (const sessionId of deleted) manager.closeSession(sessionId);
}

async function revoke({ tokens, manager }: SignInStores, userId: number): Promise<void> {
  if (tokens) await revokeTokens(tokens, manager, userId);
}

async function step(askingEnded: boolean, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    throw new SignInsNotEnded(askingEnded, { cause: err });
  }
}
