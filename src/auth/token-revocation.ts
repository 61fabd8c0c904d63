import type { Manager } from '../websocket/manager.js';
import type { TokenService } from './token-service.js';

/**
 * Revokes every token issued to the user so far, then closes the sockets they
 * opened (4401, on every instance). The one way both `POST /api/auth/revoke`
 * and `parlor.tokens.revokeAll` do it; the user's cookie sockets stay, and so
 * do sockets of tokens issued after the revocation (the order reaches another
 * instance a little later: a token minted and used meanwhile is valid).
 */
export async function revokeTokens(tokens: TokenService, manager: Manager, userId: number): Promise<void> {
  const current = await tokens.revokeAll(userId);
  manager.disconnect({ userId, via: 'token', tokensBelow: current });
}
