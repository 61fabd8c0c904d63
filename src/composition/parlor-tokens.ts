import { revokeTokens } from '../auth/token-revocation.js';
import type { TokenService } from '../auth/token-service.js';
import type { ParlorTokens } from '../app.js';
import { requireUserId } from '../user-id.js';
import type { Manager } from '../websocket/manager.js';

/**
 * `parlor.tokens`: issue and revoke bearer tokens, or reject both when they
 * are off, with `whyOff` (`tokens: false`, or no key to sign them: then the
 * message names the option that turns them on).
 */
export function parlorTokens(
  tokens: TokenService | undefined,
  manager: Manager,
  whyOff = 'bearer tokens are turned off (tokens: false)',
): ParlorTokens {
  const tokensOff = () => Promise.reject(new Error(whyOff));
  return {
    issue: (userId) => (tokens ? tokens.issue(userId) : tokensOff()),
    revokeAll: async (userId) => (tokens ? revokeTokens(tokens, manager, requireUserId(userId, 'tokens.revokeAll')) : tokensOff()),
  };
}
