/**
 * The client's options, their defaults in one place, and the checks that make
 * a bad option throw at construction rather than misbehave later.
 */
import { MAX_TIMER_MS, TIMER_TOO_LONG } from '../timer-limit.js';
import { generateClientId } from './client-id.js';
import type { ClientEnvironment } from './environment.js';
import type { WebSocketConstructor, WebSocketLike } from './socket.js';
import type { GetToken } from './token-refresher.js';

export interface ParlorClientOptions {
  /** `ws://host/ws` or `wss://host/ws`; `http://` and `https://` are turned into `ws://` and `wss://`. */
  url: string;
  /** The WebSocket class; default `globalThis.WebSocket`. Ignored when `createSocket` is given. */
  WebSocket?: WebSocketConstructor;
  /** Subprotocols passed to the WebSocket constructor. */
  protocols?: string | string[];
  /**
   * Build the socket yourself, e.g. in Node to send a bearer token or a cookie:
   * `(url, token) => new WebSocket(url, { headers: { Authorization: 'Bearer ' + token } })` with `ws`.
   * `token` is the one `getToken` gave for this socket (undefined without `getToken`).
   */
  createSocket?: (url: string, token?: string) => WebSocketLike;
  /**
   * Bearer tokens instead of the cookie: called for every socket the client
   * opens and again ahead of the token's expiry (sent as a `refresh` frame,
   * so the server does not close the socket at `exp`). Resolve with
   * `{token, expires_at}`, what `POST /api/auth/token` answers. Without
   * `createSocket`, the token goes in the `access_token` query parameter.
   */
  getToken?: GetToken;
  /** How long before the token's expiry it is refreshed (halfway for shorter tokens). Default 60 000. */
  refreshAheadMs?: number;
  /** How long a `getToken()` for a new socket may take before the attempt counts as failed (backoff, then retry). Default 30 000. */
  getTokenTimeoutMs?: number;
  /** Connect on the next microtask, so listeners added right after construction see every event. Default true. */
  autoConnect?: boolean;
  /** `lastSeenId` to start from: the first `sync` replays messages with a larger id. Default 0 (everything). */
  since?: number;
  /** How long a written message waits for its `ack` before its promise rejects with `timeout`. Default 10 000. */
  ackTimeoutMs?: number;
  /** How long messages are held back waiting for `synced` before they are delivered anyway. Default 30 000. */
  syncTimeoutMs?: number;
  /** Ceiling of the first reconnection delay; it doubles per failed attempt. Default 1 000. */
  reconnectBaseMs?: number;
  /** Ceiling of any reconnection delay. Default 30 000. */
  reconnectMaxMs?: number;
  /** Consecutive failed attempts before giving up (`retries_exhausted`). Default Infinity. */
  maxReconnectAttempts?: number;
  /** Wait for the page to be visible before reconnecting (browsers). Default true. */
  pauseWhenHidden?: boolean;
  /** How many ids below `lastSeenId` are remembered for deduplication. Default 10 000. */
  dedupWindow?: number;
  /** Queued messages and `read` frames written per second at most, under the server's `WS_RATE_LIMIT` (20). Default 15. */
  sendRate?: number;
  /** How many of them may leave at once, under the server's `WS_RATE_BURST` (40). Default 30. */
  sendBurst?: number;
  /** Random numbers in [0, 1) for the backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Client ids for sends that do not bring their own. Default `crypto.randomUUID()` with a fallback. */
  generateClientId?: () => string;
  /** Where `navigator`, `document` and the `online` event live. Default `globalThis`. */
  environment?: ClientEnvironment;
}

export interface ResolvedClientOptions {
  url: string;
  createSocket: (url: string, token?: string) => WebSocketLike;
  getToken: GetToken | undefined;
  refreshAheadMs: number;
  getTokenTimeoutMs: number;
  autoConnect: boolean;
  since: number;
  ackTimeoutMs: number;
  syncTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  maxReconnectAttempts: number;
  pauseWhenHidden: boolean;
  dedupWindow: number;
  sendRate: number;
  sendBurst: number;
  random: () => number;
  generateClientId: () => string;
  environment: ClientEnvironment;
}

export const CLIENT_DEFAULTS = {
  autoConnect: true,
  since: 0,
  ackTimeoutMs: 10_000,
  syncTimeoutMs: 30_000,
  reconnectBaseMs: 1_000,
  reconnectMaxMs: 30_000,
  maxReconnectAttempts: Number.POSITIVE_INFINITY,
  pauseWhenHidden: true,
  dedupWindow: 10_000,
  refreshAheadMs: 60_000,
  getTokenTimeoutMs: 30_000,
  sendRate: 15,
  sendBurst: 30,
} as const;

export function resolveClientOptions(options: ParlorClientOptions): ResolvedClientOptions {
  const o = { ...CLIENT_DEFAULTS, ...withoutUndefined(options) };
  const url = socketUrlOf(o.url);
  if (options.getToken !== undefined && typeof options.getToken !== 'function') throw new TypeError('ParlorClient: getToken must be a function');
  for (const name of ['ackTimeoutMs', 'syncTimeoutMs', 'reconnectBaseMs', 'reconnectMaxMs', 'refreshAheadMs', 'getTokenTimeoutMs', 'sendRate'] as const) {
    if (!(Number.isFinite(o[name]) && o[name] > 0)) throw new TypeError(`ParlorClient: ${name} must be a positive number`);
  }
  // Timer delays: a longer one would fire at once (an ack timeout meant as "never" would reject every send at
  // once). refreshAheadMs is no delay (the refresh waits expiry minus it, in steps), so it is not limited.
  for (const name of ['ackTimeoutMs', 'syncTimeoutMs', 'reconnectBaseMs', 'reconnectMaxMs', 'getTokenTimeoutMs'] as const) {
    if (o[name] > MAX_TIMER_MS) throw new TypeError(`ParlorClient: ${name} ${TIMER_TOO_LONG}`);
  }
  // The pacer waits 1000 / sendRate ms for a frame when its bucket is empty: a timer delay too.
  if (1000 / o.sendRate > MAX_TIMER_MS) {
    throw new TypeError(`ParlorClient: sendRate must be at least 1000 / ${MAX_TIMER_MS} a second: its wait for a frame (1000 / sendRate ms) ${TIMER_TOO_LONG}`);
  }
  if (o.reconnectMaxMs < o.reconnectBaseMs) throw new TypeError('ParlorClient: reconnectMaxMs must be >= reconnectBaseMs');
  if (!(o.maxReconnectAttempts >= 0) || !(Number.isInteger(o.maxReconnectAttempts) || o.maxReconnectAttempts === Infinity)) {
    throw new TypeError('ParlorClient: maxReconnectAttempts must be a non-negative integer or Infinity');
  }
  if (!(Number.isSafeInteger(o.since) && o.since >= 0)) throw new TypeError('ParlorClient: since must be a non-negative integer');
  if (!(Number.isSafeInteger(o.dedupWindow) && o.dedupWindow > 0)) {
    throw new TypeError('ParlorClient: dedupWindow must be a positive integer');
  }
  if (!(Number.isSafeInteger(o.sendBurst) && o.sendBurst > 0)) throw new TypeError('ParlorClient: sendBurst must be a positive integer');
  for (const name of ['createSocket', 'WebSocket', 'random', 'generateClientId'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`ParlorClient: ${name} must be a function`);
  }
  return {
    url,
    createSocket: socketFactory(options),
    getToken: options.getToken,
    refreshAheadMs: o.refreshAheadMs,
    getTokenTimeoutMs: o.getTokenTimeoutMs,
    autoConnect: o.autoConnect,
    since: o.since,
    ackTimeoutMs: o.ackTimeoutMs,
    syncTimeoutMs: o.syncTimeoutMs,
    reconnectBaseMs: o.reconnectBaseMs,
    reconnectMaxMs: o.reconnectMaxMs,
    maxReconnectAttempts: o.maxReconnectAttempts,
    pauseWhenHidden: o.pauseWhenHidden,
    dedupWindow: o.dedupWindow,
    sendRate: o.sendRate,
    sendBurst: o.sendBurst,
    random: options.random ?? Math.random,
    generateClientId: options.generateClientId ?? (() => generateClientId()),
    environment: options.environment ?? (globalThis as ClientEnvironment),
  };
}

/**
 * The socket URL: `ws://` or `wss://` as given; `http://` and `https://` (the
 * page's own origin, say) become `ws://` and `wss://`, since not every
 * WebSocket implementation takes them.
 */
function socketUrlOf(url: unknown): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError(`ParlorClient: url must be an absolute ws://, wss://, http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  const scheme = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }[parsed.protocol];
  if (!scheme) throw new TypeError(`ParlorClient: url must use ws:, wss:, http: or https:, got ${parsed.protocol}`);
  if (scheme === parsed.protocol) return String(url);
  parsed.protocol = scheme;
  return parsed.toString();
}

function socketFactory(options: ParlorClientOptions): (url: string, token?: string) => WebSocketLike {
  if (options.createSocket) return options.createSocket;
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof Ctor !== 'function') {
    throw new TypeError(
      'ParlorClient: no WebSocket implementation; pass options.WebSocket (e.g. from the ws package) or options.createSocket',
    );
  }
  const protocols = options.protocols;
  // A browser WebSocket can set no header: the token goes in the query string (keep such tokens short-lived).
  return (url, token) => {
    const target = token === undefined ? url : withAccessToken(url, token);
    return protocols === undefined ? new Ctor(target) : new Ctor(target, protocols);
  };
}

function withAccessToken(url: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set('access_token', token);
  return u.toString();
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
