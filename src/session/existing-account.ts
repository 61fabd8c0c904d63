import { userExists, type UserCheck } from '../user-check.js';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';

/**
 * Parlor's own cookie session as the upgrade and the routes see it when the
 * users are Parlor's own accounts: a session that outlived its account is no
 * session (the upgrade's 401, the routes' 401). Register undoes an account
 * whose session could not be saved, and a second tab's login may have saved
 * one for it meanwhile. `check` is the Manager's cached check, so it costs
 * no query per request; whatever deletes an account invalidates it there.
 * A failing check rejects (the upgrade's 503; a route's 500, as for any
 * failure of Parlor's own stores): an outage is no signed-out user.
 */
export function withExistingAccount(resolver: SessionResolver, check: UserCheck): SessionResolver {
  return {
    async resolve(req): Promise<Identity | null> {
      const identity = await resolver.resolve(req);
      return identity && (await userExists(check, identity.userId)) ? identity : null;
    },
    ...(resolver.stillValid && { stillValid: resolver.stillValid.bind(resolver) }),
  };
}
