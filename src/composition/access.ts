import type { IncomingMessage } from 'node:http';
import type { ParlorOptions } from '../app.js';
import { createOriginPolicy } from '../websocket/origin-policy.js';
import type { Identity } from '../websocket/session-resolver.js';

/** Who may broadcast, and which browser origins may use cookie credentials: shared by the routes and the upgrade. */
export interface Access {
  isAdmin: (identity: Identity) => boolean;
  isOriginAllowed: (req: IncomingMessage) => boolean;
}

export function buildAccess(options: ParlorOptions): Access {
  const admins = new Set((options.adminUsers ?? []).map((u) => u.toLowerCase()));
  return {
    isAdmin: (identity) => identity.username !== undefined && admins.has(identity.username.toLowerCase()),
    isOriginAllowed: createOriginPolicy(options.allowedOrigins, { trustProxy: options.trustProxy }),
  };
}
