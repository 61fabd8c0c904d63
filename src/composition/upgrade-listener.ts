import type { IncomingMessage, Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { UpgradeHandler } from '../websocket/upgrade.js';

type UpgradeListener = (req: IncomingMessage, socket: Parameters<UpgradeHandler>[1], head: Buffer) => void;

/** Every 'upgrade' listener `listenForUpgrades` added, of any Parlor in the process: they know an untaken request is nobody's. */
const parlorListeners = new WeakSet<UpgradeListener>();

/** How many of the server's Parlor listeners have yet to answer each upgrade request, counted from its first answer. */
const undecided = new WeakMap<IncomingMessage, number>();

/**
 * Hands the server's upgrade requests to `handle`; returns the function that
 * stops listening. A request no listener takes is destroyed: Node applies no
 * timeout to an upgrade socket, so one nobody answers would stay open for
 * free, and `server.close()` would wait for it. While the host has an
 * 'upgrade' listener of its own, it owns the paths Parlor does not serve, and
 * the request is left to it.
 */
export function listenForUpgrades(server: Server, handle: UpgradeHandler, logger: Logger): () => void {
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
  return () => server.off('upgrade', listener);
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
