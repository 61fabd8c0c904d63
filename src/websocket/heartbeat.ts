import type { ConnectionRegistry } from './connection-registry.js';

/**
 * Protocol-level keepalive (ws README, "How to detect and close broken
 * connections?"): ping every connection each interval; one that missed two
 * pongs in a row is terminated, which closes it and clears its presence.
 * Returns the function that stops it. The timer never keeps the process alive.
 */
export function startHeartbeat(registry: ConnectionRegistry, intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const conn of registry.all()) {
      if (conn.missedPongs >= 2) {
        conn.socket.terminate();
        continue;
      }
      conn.missedPongs++;
      conn.socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
