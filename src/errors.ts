/**
 * The one catalog of wire error codes and WebSocket close codes.
 * docs/protocol.md lists the same codes; test/unit/errors-catalog.test.ts fails
 * when the two drift apart.
 */

/** Codes carried by `error` frames over the WebSocket. */
export const FrameErrorCode = {
  bad_request: 'The frame is not valid JSON, has wrong field types, or an unknown type.',
  forbidden: 'The sender may not do this (not a group member, not an admin).',
  not_found: 'The target user, group or message does not exist.',
  rate_limited: 'Too many frames on this connection; slow down.',
  too_large: 'A field is longer than allowed.',
  internal: 'The server failed to store or route the frame; it may or may not have been stored: retry with the same client_id (never stored twice).',
} as const;
export type FrameErrorCode = keyof typeof FrameErrorCode;

/** Codes carried in HTTP error bodies `{error, message}`. */
export const HttpErrorCode = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type HttpErrorCode = keyof typeof HttpErrorCode;

/** WebSocket close codes Parlor uses. */
export const CloseCode = {
  /** Server shutting down. */
  going_away: 1001,
  /** Broken WebSocket framing (RFC 6455): sent by `ws` itself. */
  protocol_error: 1002,
  /** A text frame or close reason that is not UTF-8 (RFC 6455): sent by `ws` itself. */
  invalid_payload: 1007,
  /** Persistent abuse: rate limit exceeded for seconds. */
  policy_violation: 1008,
  /** A frame larger than MAX_FRAME_BYTES. */
  message_too_big: 1009,
  /** Service restart: the instance lost its broker subscription for a while, so live frames may have been missed. Reconnect and `sync`. */
  service_restart: 1012,
  /** Slow consumer: buffered bytes over MAX_BUFFERED_BYTES. Reconnect and `sync`. */
  try_again_later: 1013,
  /** The credential the socket was opened with ended: logout, session gone, token expired or revoked, user disconnected. */
  logged_out: 4401,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * The reasons sent with 4401, so a client can tell an expired token (get a
 * new one and reconnect) from the end of the user's sign-in (stop).
 */
export const LoggedOutReason = {
  /** Logout (Parlor's route or `parlor.disconnectSession`). */
  logout: 'logged out',
  /** The session re-check found the session destroyed or expired. */
  session_ended: 'session ended',
  /** The bearer token reached its `exp` without a `refresh`. */
  token_expired: 'token expired',
  /** The user's tokens were revoked. */
  tokens_revoked: 'tokens revoked',
  /** `parlor.disconnectUser` (ban, deletion). */
  user_disconnected: 'signed out by the server',
} as const;

/**
 * An error whose code may be shown to the client. Stores throw it for
 * expected conditions (unknown recipient); anything else becomes `internal`.
 */
export class ParlorError extends Error {
  constructor(
    readonly code: FrameErrorCode | HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ParlorError';
  }
}

export function isParlorError(err: unknown): err is ParlorError {
  return err instanceof ParlorError;
}

/** Codes that say the server (or a service it needs) failed, not the client. */
const SERVER_FAILURES: ReadonlySet<string> = new Set(['internal', 'unavailable']);

/**
 * A refusal of what the client asked (`bad_request`, `forbidden`,
 * `not_found`, `conflict`, `rate_limited`, ...): answered to the client and
 * logged at debug without a stack, never at error level, since a stranger
 * can produce as many as the rate limits let through.
 */
export function isClientMistake(err: unknown): err is ParlorError {
  return isParlorError(err) && !SERVER_FAILURES.has(err.code);
}
