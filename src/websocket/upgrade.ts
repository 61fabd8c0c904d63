import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions } from 'ws';
import { withDeadline } from '../deadline.js';
import { CloseCode } from '../errors.js';
import { DEFAULT_INTERFACE_TIMEOUT_MS, InterfaceFailure } from '../interface-failure.js';
import { reasonOf } from './disconnect-order.js';
import type { Logger } from '../logger.js';
import type { Manager } from './manager.js';

export interface UpgradeOptions {
  /** Path of the socket endpoint (`attach(server, {path})` may choose another). */
  path: string;
  /** Whether the request's Origin may use a cookie-authenticated socket. */
  isOriginAllowed: (req: IncomingMessage) => boolean;
  logger: Logger;
  /** How long the session lookup may take before the upgrade answers 503. Default 5000 ms. */
  sessionTimeoutMs?: number;
}

/** The same as a call to any host interface may take (interfaceTimeoutMs defaults to sessionTimeoutMs). */
export const DEFAULT_SESSION_TIMEOUT_MS = DEFAULT_INTERFACE_TIMEOUT_MS;

/** An `'upgrade'` listener: resolves `true` when it took the request, `false` when the path is not its own. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<boolean>;

/** Upgrade requests Parlor is handling: only these may carry a token in the query string. */
const upgradeRequests = new WeakSet<IncomingMessage>();

export function isUpgradeRequest(req: IncomingMessage): boolean {
  return upgradeRequests.has(req);
}

/**
 * The host owns the upgrade (ws `noServer`): authenticate, check the Origin,
 * then hand the socket to the Manager; or answer 401/403/503 on the raw socket.
 */
export function createUpgradeHandler(
  manager: Manager,
  options: UpgradeOptions,
): { handle: UpgradeHandler; handleAt: (path: string) => UpgradeHandler; wss: WebSocketServer } {
  const limits = manager.options;
  const wsOptions: ServerOptions & { maxFragments: number; maxBufferedChunks: number } = {
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: limits.maxFrameBytes,
    // Bound the memory a peer can pin with many tiny fragments (ws >= 8.21).
    maxFragments: 1024,
    maxBufferedChunks: 4096,
  };
  const wss = new WebSocketServer(wsOptions);

  const handleAt = (path: string): UpgradeHandler => async (req, socket, head) => {
    if (pathOf(req) !== path) return false;
    upgradeRequests.add(req);
    socket.on('error', () => socket.destroy());
    if (!manager.isRunning) return abort(socket, 503, 'unavailable', 'the server is shutting down');
    // A logout, revoke or ban that comes during the lookup ends this socket too.
    const orders = manager.watchUpgrade();
    try {
      let identity;
      try {
        // Node applies no timeout to an upgraded socket: a store that never answers would pin it forever.
        const ms = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
        identity = await withDeadline(manager.sessions.resolve(req), ms, () => new Error(`no answer within ${ms} ms`));
      } catch (err) {
        if (err instanceof InterfaceFailure) {
          options.logger.warn({ err: err.cause, interface: err.interfaceName }, `${err.interfaceName} failed during upgrade`);
          return abort(socket, 503, 'unavailable', `${err.interfaceName} is unavailable, try again later`);
        }
        // No answer in time, or Parlor's own token store failed: Parlor's failure, not one of the host's interfaces.
        options.logger.error({ err }, 'session lookup failed during upgrade');
        return abort(socket, 503, 'unavailable', 'the session lookup is unavailable, try again later');
      }
      if (!identity) return abort(socket, 401, 'unauthorized', 'no valid session');
      // Only a bearer token is exempt: an identity without `via` (or with any other) counts as a cookie, failing closed.
      if (identity.via !== 'token' && !options.isOriginAllowed(req)) {
        return abort(socket, 403, 'forbidden', 'origin not allowed');
      }
      const waitMs = manager.admitConnection(identity.userId);
      if (waitMs > 0) {
        return abort(socket, 429, 'rate_limited', 'too many new connections, slow down', { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
      }
      if (socket.destroyed) return true;
      // Also renames the identity's session when a password change renamed it meanwhile (a keep order).
      const ended = orders.end(identity);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (ended) ws.close(CloseCode.logged_out, reasonOf(ended));
        else manager.addConnection(ws, identity, socket);
      });
      return true;
    } finally {
      orders.end();
    }
  };
  return { handle: handleAt(options.path), handleAt, wss };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answers a failed upgrade with a plain HTTP response and closes the socket (ws `abortHandshake`). */
function abort(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string> = {}): true {
  if (socket.writable) {
    const body = JSON.stringify({ error: code, message });
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Connection: close\r\n' +
        extra +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
  return true;
}
