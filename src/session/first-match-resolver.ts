import type { IncomingMessage } from 'node:http';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';

/** Tries resolvers in order; the first identity wins (the session cookie first, then a bearer token). */
export class FirstMatchResolver implements SessionResolver {
  constructor(private readonly resolvers: readonly SessionResolver[]) {}

  async resolve(req: IncomingMessage): Promise<Identity | null> {
    for (const resolver of this.resolvers) {
      const identity = await resolver.resolve(req);
      if (identity) return identity;
    }
    return null;
  }
}
