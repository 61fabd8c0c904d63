/**
 * Errors the client reports, and which close codes end the connection for
 * good. The close codes themselves come from the one catalog in ../errors.ts.
 */
import { CloseCode, type FrameErrorCode } from '../errors.js';

/**
 * Every code a `ParlorClientError` may carry:
 * - a server `error` frame code (`bad_request`, `forbidden`, `not_found`, `rate_limited`, `too_large`, `internal`);
 * - `timeout`: no `ack` within `ackTimeoutMs` of writing the frame (the message may still be stored: resend with the same `clientId`);
 * - `closed`: the client stopped (by `close()` or for one of the reasons below) before the ack arrived;
 * - `user_changed`: the next connection's `welcome` named another user than the one the send was made as;
 * - why the client stopped reconnecting: `logged_out` (close 4401), `policy_violation` (1008),
 *   `message_too_big` (1009), `unauthorized` / `origin_forbidden` (HTTP 401 / 403 on the upgrade,
 *   visible only where the WebSocket implementation reports it, as the `ws` package does),
 *   `retries_exhausted` (`maxReconnectAttempts` reached).
 */
export type ParlorClientErrorCode =
  | FrameErrorCode
  | 'timeout'
  | 'closed'
  | 'user_changed'
  | 'logged_out'
  | 'policy_violation'
  | 'message_too_big'
  | 'unauthorized'
  | 'origin_forbidden'
  | 'retries_exhausted';

export class ParlorClientError extends Error {
  constructor(
    readonly code: ParlorClientErrorCode,
    message: string,
    /** The WebSocket close code behind it, when there is one. */
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'ParlorClientError';
  }
}

export function isParlorClientError(err: unknown): err is ParlorClientError {
  return err instanceof ParlorClientError;
}

/** Close codes after which reconnecting cannot help: the session ended, or the client broke a rule. */
const TERMINAL_CLOSE_CODES: ReadonlyMap<number, ParlorClientErrorCode> = new Map<number, ParlorClientErrorCode>([
  [CloseCode.logged_out, 'logged_out'],
  [CloseCode.policy_violation, 'policy_violation'],
  [CloseCode.message_too_big, 'message_too_big'],
]);

/** The error that ends the client after close `code`, or undefined when the client should reconnect. */
export function terminalCloseError(code: number, reason: string): ParlorClientError | undefined {
  const errorCode = TERMINAL_CLOSE_CODES.get(code);
  if (!errorCode) return undefined;
  return new ParlorClientError(errorCode, `the server closed the connection (${code}${reason ? `: ${reason}` : ''})`, code);
}

/** HTTP statuses of a refused upgrade after which reconnecting cannot help. */
const TERMINAL_HANDSHAKE_STATUS: ReadonlyMap<number, ParlorClientErrorCode> = new Map<number, ParlorClientErrorCode>([
  [401, 'unauthorized'],
  [403, 'origin_forbidden'],
]);

/**
 * The error for a refused upgrade, read from an `error` event. Browsers hide
 * the status; the `ws` package reports "Unexpected server response: 401".
 */
export function handshakeError(event: unknown): ParlorClientError | undefined {
  const status = handshakeStatus(event);
  const code = status === undefined ? undefined : TERMINAL_HANDSHAKE_STATUS.get(status);
  if (!code) return undefined;
  return new ParlorClientError(code, `the server refused the WebSocket upgrade with HTTP ${status}`);
}

function handshakeStatus(event: unknown): number | undefined {
  const e = event as { message?: unknown; error?: { message?: unknown } } | null | undefined;
  const text = [e?.message, e?.error?.message].find((m): m is string => typeof m === 'string');
  const match = text && /Unexpected server response: (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}
