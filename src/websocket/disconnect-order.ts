/**
 * What "end these sockets" means, in one place: a disconnect order names a
 * session, or a user (optionally only the sockets that user opened with a
 * bearer token). The Manager closes the matching local sockets with 4401 and
 * the broker carries the same order to every other instance.
 */
import { LoggedOutReason } from '../errors.js';
import { isSessionId } from '../user-id.js';
import type { Identity } from './session-resolver.js';

export type DisconnectOrder =
  /** Logout, or the host calling `parlor.disconnectSession(sessionId)`. */
  | { sessionId: string }
  /**
   * `parlor.disconnectUser(userId)` (every socket), or token revocation
   * (`via: 'token'`; `tokensBelow`: only tokens of an older version than the
   * revocation left current, not those issued since).
   */
  | { userId: number; via?: Identity['via']; tokensBelow?: number }
  /**
   * A keep order: a password change made with a cookie session (`POST
   * /api/auth/password`) gave that session a new id (`keep.renamedTo`), and
   * its sockets answer to it from now on, so the re-check and a later logout
   * find them. It closes no socket: it is sent before the old id and the
   * user's other sessions are deleted, and those close by their own session
   * orders once they are (endOtherSignIns, src/auth/end-sign-ins.ts). It
   * travels as an order so that it keeps its place among them on the broker,
   * and an upgrade still looking up the old id opens under the new one
   * (OrdersDuringUpgrade). The new id crosses the broker as a logout's id
   * does: an id alone makes no cookie without the session secret.
   */
  | { userId: number; via: 'cookie'; keep: KeptSession };

/** The session a password change was made with: its id before and after it was regenerated. */
export interface KeptSession {
  sessionId: string;
  renamedTo: string;
}

/**
 * Renames `identity` when `order` is a keep order for it (the user's, under
 * the session's old id): its session id becomes the new one. The one rule for
 * the sockets the Manager holds and for an upgrade still looking up the old id
 * (OrdersDuringUpgrade).
 */
export function applyRename(identity: Identity, order: DisconnectOrder): void {
  if ('keep' in order && identity.userId === order.userId && identity.sessionId === order.keep.sessionId) identity.sessionId = order.keep.renamedTo;
}

/** A keep order (see DisconnectOrder). */
export type KeepOrder = Extract<DisconnectOrder, { keep: KeptSession }>;

/**
 * Whether a socket opened with `identity` ends under `order`. `tokenVersion`:
 * the version of the token the socket holds now (a `refresh` moves it).
 */
export function matchesOrder(identity: Identity, order: DisconnectOrder, tokenVersion = identity.tokenVersion): boolean {
  // A session order names one session: never the sockets that have none (bearer tokens, a host resolver giving no session id).
  if ('sessionId' in order) return isSessionId(order.sessionId) && identity.sessionId === order.sessionId;
  // A keep order renames (applyRename), and ends nothing.
  if ('keep' in order || identity.userId !== order.userId || (order.via !== undefined && identity.via !== order.via)) return false;
  return order.tokensBelow === undefined || tokenVersion === undefined || tokenVersion < order.tokensBelow;
}

/** The close reason the client sees (never the session id or the token). */
export function reasonOf(order: DisconnectOrder): string {
  // A user's cookie sessions end by the user's own doing (log out everywhere, a password change): a logout, to the client.
  if ('sessionId' in order || order.via === 'cookie') return LoggedOutReason.logout;
  return order.via === 'token' ? LoggedOutReason.tokens_revoked : LoggedOutReason.user_disconnected;
}

/** An order as it arrives from another instance, checked field by field; undefined when it is not one. */
export function asDisconnectOrder(value: unknown): DisconnectOrder | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (isSessionId(v.sessionId) && v.userId === undefined) return { sessionId: v.sessionId };
  if (typeof v.userId !== 'number' || !Number.isSafeInteger(v.userId) || v.userId <= 0 || v.sessionId !== undefined) return undefined;
  if (v.via === undefined) return v.tokensBelow === undefined ? { userId: v.userId } : undefined;
  if (v.via === 'cookie') {
    if (v.tokensBelow !== undefined) return undefined;
    if (v.keep === undefined) return { userId: v.userId, via: v.via };
    const keep = asKeptSession(v.keep);
    return keep && { userId: v.userId, via: v.via, keep };
  }
  if (v.via !== 'token') return undefined;
  if (v.tokensBelow === undefined) return { userId: v.userId, via: v.via };
  return typeof v.tokensBelow === 'number' && Number.isSafeInteger(v.tokensBelow) && v.tokensBelow >= 0
    ? { userId: v.userId, via: v.via, tokensBelow: v.tokensBelow }
    : undefined;
}

function asKeptSession(value: unknown): KeptSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { sessionId, renamedTo } = value as Record<string, unknown>;
  return isSessionId(sessionId) && isSessionId(renamedTo) ? { sessionId, renamedTo } : undefined;
}
