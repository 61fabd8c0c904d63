import type { IncomingMessage } from 'node:http';
import type { Awaitable } from '../types.js';

/** Who an upgrade request (or HTTP request) belongs to. */
export interface Identity {
  userId: number;
  username?: string;
  /** The session id, so logout can close exactly that session's sockets. */
  sessionId?: string;
  /** How the request proved who it is. The Origin check applies to `cookie` only. */
  via: 'cookie' | 'token';
}

/**
 * Required: `resolve(req)` -> the identity behind the request, or null when it
 * carries no valid credentials. Throwing (store unreachable) makes the upgrade
 * answer 503, never 401.
 */
export interface SessionResolver {
  resolve(req: IncomingMessage): Awaitable<Identity | null>;
}
