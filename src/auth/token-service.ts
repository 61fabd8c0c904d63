import { hkdfSync } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Account, TokenVersionStore, UserStore } from '../store/types.js';
import type { Identity, TokenInUse } from '../websocket/session-resolver.js';
import { userExists, type UserCheck } from '../user-check.js';
import { requireUserId } from '../user-id.js';

/**
 * The longest token lifetime: a year and a day (366 days). Without a bound, 999999999999999 s put
 * `expires_at` past the last valid Date; a bearer token longer-lived than a year is a credential to
 * revoke by hand, not to wait out.
 */
export const MAX_TOKEN_TTL_SECONDS = 366 * 24 * 60 * 60;

/**
 * The shortest token lifetime (TOKEN_TTL_SECONDS and createParlor's `tokens.ttlSeconds`): `exp` is whole
 * seconds after `iat`, so a token of a few seconds can expire before the client's upgrade reaches the
 * server, a 401 the SDK treats as final.
 */
export const MIN_TOKEN_TTL_SECONDS = 30;

/** The token lifetime unless set (TOKEN_TTL_SECONDS, `tokens.ttlSeconds`): 15 minutes. */
export const DEFAULT_TOKEN_TTL_SECONDS = 900;

export interface TokenOptions {
  /** Signing key (TOKEN_SECRET). Default: derived from the session secret with HKDF. */
  secret?: string;
  /** Lifetime of a token in seconds (TOKEN_TTL_SECONDS). Default 900, MIN_TOKEN_TTL_SECONDS to MAX_TOKEN_TTL_SECONDS. */
  ttlSeconds?: number;
  /**
   * The mount a token is for (its `aud` claim): a token is accepted only by a
   * Parlor with the same audience. Default: the mount's `wsPath` (`/ws`), the
   * same on every instance of one mount and different for two mounts that
   * each have a `wsPath` of their own. Set it when mounts sharing the key keep
   * the default `wsPath` and attach paths of their own, or to let several
   * mounts accept each other's tokens on purpose.
   */
  audience?: string;
}

const ISSUER = 'parlor';
const ALGORITHM = 'HS256';

/** The key tokens are signed with: TOKEN_SECRET, else HKDF(session secret), so the two never coincide. */
export function tokenKey(sessionSecret: string | readonly string[], explicit?: string): Uint8Array {
  if (explicit) return new TextEncoder().encode(explicit);
  const base = typeof sessionSecret === 'string' ? sessionSecret : sessionSecret[0]!;
  return new Uint8Array(hkdfSync('sha256', base, 'parlor-token-salt', 'parlor bearer token v1', 32));
}

/**
 * The audience tokens are issued for and checked against: `tokens.audience`,
 * else the mount's `wsPath`. Two mounts of one app sharing the key (the same
 * `sessionSecret`) have their own user ids: without it, a token of one would
 * name the other's user of the same id.
 */
export function tokenAudience(wsPath: string, explicit?: string): string {
  return explicit ?? wsPath;
}

/**
 * The second an account was created, which its tokens' `iat` (whole seconds) may not precede: a token
 * issued in the same second counts as after.
 */
function createdSecond(account: Account): number {
  return Math.floor(account.createdAt / 1000);
}

/** What tokens are signed with (`tokenKey`) and the mount they are for (`tokenAudience`). */
export interface TokenSigning {
  key: Uint8Array;
  audience: string;
}

/**
 * Issues and checks bearer tokens (JWT, HS256, via `jose`). Each token carries
 * the user's token version; `revoke` bumps the version, so every token issued
 * before stops working at once. Each names the mount it is for (`aud`): a
 * token without it, or for another audience, is refused.
 *
 * With Parlor's own accounts (`accounts` given) a token names an existing
 * account, which also gives the identity its username, and was issued no
 * earlier than that account was created: an id given again to a new account
 * (SQLite before migration 010 gave a deleted newest account's id to the next
 * registration) does not take over the tokens of the one before. With a
 * host's users (`hostUsers` given) it names a user the host's directory still knows: a
 * token of a user the host deleted is refused like a revoked one. Without
 * either, any id the host issues a token for is taken as it is.
 */
export class TokenService {
  readonly ttlSeconds: number;

  constructor(
    private readonly signing: TokenSigning,
    private readonly versions: TokenVersionStore,
    private readonly accounts: UserStore | undefined,
    private readonly hostUsers: UserCheck | undefined,
    ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlSeconds = ttlSeconds;
  }

  async issue(id: number): Promise<{ token: string; expires_at: number }> {
    const userId = requireUserId(id, 'tokens.issue');
    const account = this.accounts ? await this.accounts.findAccount(userId) : undefined;
    if (account === null) throw new Error(`user ${userId} does not exist`);
    const now = Math.floor(this.now() / 1000);
    // Never before its account (verify refuses that): on PostgreSQL created_at is the database's clock, which may run ahead of this one.
    const iat = account ? Math.max(now, createdSecond(account)) : now;
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT({ ver: await this.versions.current(userId) })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuer(ISSUER)
      .setAudience(this.signing.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.signing.key);
    return { token, expires_at: exp * 1000 };
  }

  /**
   * The identity behind a token, or null when it is malformed, forged,
   * expired, without `exp`, for another audience or none, revoked, or its
   * user no longer exists (Parlor's accounts: or was created after the
   * token was issued, or the token has no `iat`). Rejects when the host's
   * directory fails (an outage is no signed-out user).
   */
  async verify(token: string): Promise<Identity | null> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.signing.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        // Another mount's token (same key, other users), or one without `aud` (issued before audiences): refused.
        audience: this.signing.audience,
        // A token without `exp` would never expire: refuse it rather than trust it forever.
        requiredClaims: ['exp'],
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
      throw err;
    }
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof payload.ver !== 'number') return null;
    if ((await this.versions.current(userId)) !== payload.ver) return null;
    if (this.hostUsers && !(await userExists(this.hostUsers, userId))) return null;
    const identity: Identity = { userId, via: 'token', tokenVersion: payload.ver };
    if (typeof payload.exp === 'number') identity.expiresAt = payload.exp * 1000;
    if (!this.accounts) return identity;
    const account = await this.accounts.findAccount(userId);
    // A token of an earlier account of the same id (deleted, its id given again) is no token of this one.
    if (!account || typeof payload.iat !== 'number' || payload.iat < createdSecond(account)) return null;
    return { ...identity, username: account.username };
  }

  /** For each token in use (its user and the version it carries): true while no revocation has moved that user's version on. One store query. */
  async stillCurrent(tokens: readonly TokenInUse[]): Promise<boolean[]> {
    const versions = await this.versions.currentOf([...new Set(tokens.map((t) => t.userId))]);
    return tokens.map((t) => versions.get(t.userId) === t.version);
  }

  /** Invalidates every token issued to the user so far; the version the user's tokens carry from now on. */
  async revokeAll(userId: number): Promise<number> {
    return this.versions.bump(userId);
  }
}
