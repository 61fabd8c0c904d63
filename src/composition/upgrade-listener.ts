import type { IncomingMessage, Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { UpgradeHandler } from '../websocket/upgrade.js';

type UpgradeListener = (req: IncomingMessage, socket: Parameters<UpgradeHandler>[1], head: Buffer) => void;

/** Every 'upgrade' listener `listenForUpgrades` added, of any Parlor in the process: they know an untaken request is nobody's. */
const parlorListeners = new WeakSet<UpgradeListener>();

/** How many of the server's Parlor listeners have yet to answer each upgrade request, counted from its first answer. */
const undecided = new WeakMap<IncomingMessage, number>();

/** The paths each server's Parlor listeners serve (one mount per path). */
const attachedPaths = new WeakMap<Server, Set<string>>();

/** Which mount attached to each server, and on how many paths, takes the tokens of each default token scope. */
const tokenScopes = new WeakMap<Server, Map<string, { mount: object; paths: number }>>();

/** Who is attaching: the mount (one Parlor), and its default token scope (Authentication.defaultTokenScope). */
export interface AttachingMount {
  mount: object;
  tokenScope: string | null;
}

/**
 * Hands the server's upgrade requests for `path` to `handle`; returns the
 * function that stops listening. A request no listener takes is destroyed:
 * Node applies no timeout to an upgrade socket, so one nobody answers would
 * stay open for free, and `server.close()` would wait for it. While the host
 * has an 'upgrade' listener of its own, it owns the paths Parlor does not
 * serve, and the request is left to it.
 *
 * Refused with a TypeError, at attach rather than at the first user: a path
 * no request can have (a request's path starts with `/` and ends before any
 * `?`), and a path another Parlor mount already serves on this server (both
 * would take each upgrade, and the second `handleUpgrade` of one socket
 * destroys it: nobody could stay connected), and a second mount whose tokens
 * have the same key and the same default audience as another's on this
 * server (each would take the other's tokens as its own user with that id).
 */
export function listenForUpgrades(server: Server, path: string, handle: UpgradeHandler, logger: Logger, attaching?: AttachingMount): () => void {
  if (typeof path !== 'string' || !/^\/[^?#\s]*$/.test(path)) {
    throw new TypeError(`attach: path must start with / and hold no ?, # or space, got ${JSON.stringify(path) ?? String(path)}`);
  }
  const paths = attachedPaths.get(server) ?? new Set<string>();
  if (paths.has(path)) {
    throw new TypeError(
      `attach: another Parlor mount already serves ${path} on this server; give each mount its own path (attach(server, { path: '/support/ws' }) or wsPath), or stop the first (the function its attach returned, or its parlor.close())`,
    );
  }
  const releaseScope = attaching ? claimTokenScope(server, attaching) : () => {};
  paths.add(path);
  attachedPaths.set(server, paths);
  const listener: UpgradeListener = (req, socket, head) => {
    // Counted now, while the server's listeners are the ones this request was emitted to.
    const declined = declinedByEveryone(server, req);
    handle(req, socket, head).then(
      (taken) => {
        if (!taken && declined()) socket.destroy();
      },
      (err: unknown) => {
        logger.error({ err }, 'upgrade failed');
        socket.destroy();
      },
    );
  };
  parlorListeners.add(listener);
  server.on('upgrade', listener);
  let listening = true;
  return () => {
    // Once: a second call must not free the path for a mount that attached since.
    if (!listening) return;
    listening = false;
    server.off('upgrade', listener);
    paths.delete(path);
    releaseScope();
  };
}

/** Refuses a second mount with another mount's default token scope on this server; answers the release. */
function claimTokenScope(server: Server, { mount, tokenScope }: AttachingMount): () => void {
  if (tokenScope === null) return () => {};
  const scopes = tokenScopes.get(server) ?? new Map<string, { mount: object; paths: number }>();
  const holder = scopes.get(tokenScope);
  if (holder && holder.mount !== mount) {
    throw new TypeError(
      `attach: another Parlor mount on this server signs bearer tokens with the same key for the same default audience (its wsPath, ${JSON.stringify(tokenScope.slice(17))}): each would take the other's tokens as its own user with that id; give each mount its own wsPath or tokens.audience (docs/tokens.md, "Keys and audience")`,
    );
  }
  const claim = holder ?? { mount, paths: 0 };
  claim.paths++;
  scopes.set(tokenScope, claim);
  tokenScopes.set(server, scopes);
  return () => {
    if (--claim.paths === 0) scopes.delete(tokenScope);
  };
}

/**
 * Called by each Parlor listener as it receives `req`; the function returned
 * records that listener's refusal and tells whether it was the last one and
 * no host listener may take the request. Each Parlor mount serves one path,
 * so at most one of them takes it.
 */
function declinedByEveryone(server: Server, req: IncomingMessage): () => boolean {
  const listeners = server.listeners('upgrade');
  const hostListens = listeners.some((l) => !parlorListeners.has(l as UpgradeListener));
  if (!undecided.has(req)) undecided.set(req, listeners.length);
  return () => {
    const left = (undecided.get(req) ?? 1) - 1;
    undecided.set(req, left);
    return left === 0 && !hostListens;
  };
}
