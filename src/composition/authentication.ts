import { TokenSessionResolver } from '../auth/token-resolver.js';
import { createHash } from 'node:crypto';
import { TokenService, tokenAudience, tokenKey } from '../auth/token-service.js';
import type { ParlorOptions } from '../app.js';
import { guardInterface } from '../interface-failure.js';
import { withExistingAccount } from '../session/existing-account.js';
import { FirstMatchResolver } from '../session/first-match-resolver.js';
import { createParlorSession, type ParlorSession } from '../session/parlor-session.js';
import { stillValidOf, withStillValid } from '../session/still-valid.js';
import type { UserCheck } from '../user-check.js';
import type { SessionResolver } from '../websocket/session-resolver.js';

const DEFAULT_SESSION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/** Why bearer tokens are off with a host `sessionResolver` and no key: logged once at construction, and what `parlor.tokens` rejects with. */
export const TOKENS_OFF_WITHOUT_KEY =
  'bearer tokens are off: a host sessionResolver and no key to sign them; pass tokens: { secret } (tokens.secret, 32+ characters) or sessionSecret to turn them on, or tokens: false to say they stay off';

/** Who a request or an upgrade is, and what Parlor owns of it. */
export interface Authentication {
  /** Parlor's own account routes are mounted (default: only without a host `sessionResolver` and `userDirectory`). */
  accounts: boolean;
  cookieName: string;
  /** Parlor's own cookie session; only without a host `sessionResolver`: Parlor never writes a host's session. */
  ownSession: ParlorSession | undefined;
  /** Bearer tokens, unless `tokens: false` or there is no key to sign them (`tokensKeyMissing`). */
  tokens: TokenService | undefined;
  /** Tokens are off only because a host `sessionResolver` came with neither `tokens.secret` nor `sessionSecret`. */
  tokensKeyMissing: boolean;
  /**
   * Which tokens this mount takes when its audience is the default one (its
   * `wsPath`): a fingerprint of the key and the audience, never the key. Two
   * mounts attached to one server with the same scope would take each other's
   * tokens as their own users (listenForUpgrades refuses that). Null with
   * tokens off or an explicit `tokens.audience` (sharing one is a choice).
   */
  defaultTokenScope: string | null;
  /**
   * The session cookie (the host's or Parlor's) first, then a bearer token; ended sessions found by `stillValid`.
   * Parlor's session of one of Parlor's accounts counts only while that account exists.
   */
  resolver: SessionResolver;
  /** Undoes what building this left on the caller's stores (Parlor's session's listeners on `stores.sessions`): parlor.close() calls it. */
  release(): void;
}

/**
 * `wsPath`: the mount's socket path (`wsPath` or its default), its tokens'
 * default audience. `userCheck`: whether the Manager's directory (the host's
 * `userDirectory`, else Parlor's own accounts) still knows a user, its cached
 * check (so `parlor.invalidateUser` reaches it): asked for each bearer token's
 * user when the host has a `userDirectory`, and for each of Parlor's own
 * sessions' user when it has none.
 */
export function buildAuthentication(options: ParlorOptions, wsPath: string, userCheck: UserCheck): Authentication {
  const cookieName = options.cookieName ?? 'parlor.sid';
  // A host's users (userDirectory) or sessions: Parlor keeps no accounts of its own unless told to.
  const accounts = options.accounts ?? (options.sessionResolver === undefined && options.userDirectory === undefined);
  const ownSession =
    options.sessionResolver === undefined
      ? createParlorSession({
          secret: options.sessionSecret!,
          store: options.stores.sessions,
          cookieName,
          maxAgeMs: options.sessionMaxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS,
        })
      : undefined;
  const tokensKeyMissing = options.tokens !== false && options.tokens?.secret === undefined && options.sessionSecret === undefined;
  const signing =
    options.tokens === false || tokensKeyMissing
      ? undefined
      : { key: tokenKey(options.sessionSecret ?? [], options.tokens?.secret), audience: tokenAudience(wsPath, options.tokens?.audience) };
  const defaultTokenScope =
    signing && (options.tokens || undefined)?.audience === undefined
      ? `${createHash('sha256').update(signing.key).digest('hex').slice(0, 16)} ${signing.audience}`
      : null;
  const tokens =
    signing === undefined
      ? undefined
      : new TokenService(
          signing,
          options.stores.tokenVersions,
          accounts ? options.stores.users : undefined,
          // A user the host deleted keeps no working token until its exp; the directory failing is a 503 naming it.
          options.userDirectory ? userCheck : undefined,
          (options.tokens || undefined)?.ttlSeconds,
        );
  // Only the session resolver is guarded as one: a failure of Parlor's own token store is Parlor's (500, an error line), never blamed on the host.
  const sessionResolver = guardInterface('sessionResolver', options.sessionResolver ?? ownSession!.resolver);
  // Parlor's own session of Parlor's own account: one that outlived its account (register's undo) signs in nobody.
  // A host's users (userDirectory) are the host's to delete, and a host's sessions the host's to end.
  const cookieResolver = ownSession && !options.userDirectory ? withExistingAccount(sessionResolver, userCheck) : sessionResolver;
  const resolver = withStillValid(
    new FirstMatchResolver([cookieResolver, ...(tokens ? [new TokenSessionResolver(tokens)] : [])]),
    stillValidOf(options.sessionResolver, options.stores.sessions),
  );
  return { accounts, cookieName, ownSession, tokens, tokensKeyMissing, defaultTokenScope, resolver, release: () => ownSession?.release() };
}
