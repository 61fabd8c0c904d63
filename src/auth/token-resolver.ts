import type { IncomingMessage } from 'node:http';
import type { Identity, SessionResolver } from '../websocket/session-resolver.js';
import { isUpgradeRequest } from '../websocket/upgrade.js';
import type { TokenService } from './token-service.js';

/**
 * Bearer tokens: the `Authorization: Bearer` header on any request, and the
 * `access_token` query parameter on WebSocket upgrades only (webviews that
 * cannot set a header; such URLs end up in logs, so keep those tokens short-lived).
 */
export class TokenSessionResolver implements SessionResolver {
  constructor(private readonly tokens: TokenService) {}

  async resolve(req: IncomingMessage): Promise<Identity | null> {
    const token = bearerOf(req) ?? queryTokenOf(req);
    return token ? this.tokens.verify(token) : null;
  }
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function queryTokenOf(req: IncomingMessage): string | undefined {
  // An HTTP request may carry an Upgrade header too: only a real upgrade to Parlor's socket path counts.
  if (!isUpgradeRequest(req) || !req.url?.includes('?')) return undefined;
  return new URL(req.url, 'http://x').searchParams.get('access_token') ?? undefined;
}
