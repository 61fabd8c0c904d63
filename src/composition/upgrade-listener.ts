import type { Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { UpgradeHandler } from '../websocket/upgrade.js';

/**
 * Hands the server's upgrade requests to `handle`; returns the function that
 * stops listening. A request `handle` does not take is destroyed only when no
 * other 'upgrade' listener could own its path.
 */
export function listenForUpgrades(server: Server, handle: UpgradeHandler, logger: Logger): () => void {
  const listener = (req: Parameters<UpgradeHandler>[0], socket: Parameters<UpgradeHandler>[1], head: Buffer) => {
    handle(req, socket, head).then(
      (taken) => {
        if (!taken && server.listenerCount('upgrade') === 1) socket.destroy();
      },
      (err: unknown) => {
        logger.error({ err }, 'upgrade failed');
        socket.destroy();
      },
    );
  };
  server.on('upgrade', listener);
  return () => server.off('upgrade', listener);
}
