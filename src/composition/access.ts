import type { IncomingMessage } from 'node:http';
import type { ParlorOptions } from '../app.js';
import { createOriginPolicy } from '../websocket/origin-policy.js';
import type { Identity } from '../websocket/session-resolver.js';
import type { UserDirectory } from '../websocket/user-directory.js';

/** Who may broadcast, and which browser origins may use cookie credentials: shared by the routes and the upgrade. */
export interface Access {
  isAdmin: (identity: Identity) => boolean | Promise<boolean>;
  isOriginAllowed: (req: IncomingMessage) => boolean;
}

/**
 * `adminUsers` are usernames. An identity that carries none (a bearer token
 * of a host's user: tokens carry only the id) is named by the directory, so
 * the same user is an admin over a cookie and over a token alike.
 */
export function buildAccess(options: ParlorOptions, directory: UserDirectory): Access {
  const admins = new Set((options.adminUsers ?? []).map((u) => u.toLowerCase()));
  const isAdminName = (name: string | undefined) => name !== undefined && admins.has(name.toLowerCase());
  return {
    isAdmin: (identity) => {
      if (admins.size === 0) return false;
      if (identity.username !== undefined) return isAdminName(identity.username);
      return Promise.resolve(directory.profiles?.([identity.userId])).then((found) => isAdminName(found?.find((p) => p.id === identity.userId)?.username));
    },
    isOriginAllowed: createOriginPolicy(options.allowedOrigins, { trustProxy: options.trustProxy }),
  };
}
