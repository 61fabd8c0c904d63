import { revokeTokens } from '../auth/token-revocation.js';
import type { TokenService } from '../auth/token-service.js';
import type { ParlorTokens } from '../app.js';
import { requireUserId } from '../user-id.js';
import type { Manager } from '../websocket/manager.js';

/** `parlor.tokens`: issue and revoke bearer tokens, or reject both when they are off (`tokens: false`). */
export function parlorTokens(tokens: TokenService | undefined, manager: Manager): ParlorTokens {
  const tokensOff = () => Promise.reject(new Error('bearer tokens are turned off (tokens: false)'));
  return {
    issue: (userId) => (tokens ? tokens.issue(userId) : tokensOff()),
    revokeAll: async (userId) => (tokens ? revokeTokens(tokens, manager, requireUserId(userId, 'tokens.revokeAll')) : tokensOff()),
  };
}
