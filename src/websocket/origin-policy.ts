import type { IncomingMessage } from 'node:http';

/**
 * Which browser origins may open a cookie-authenticated socket.
 * With no list, only the server's own origin (its Host header) is allowed.
 * A request without an Origin header comes from no browser and passes: the
 * rule exists to stop cross-site WebSocket hijacking, which needs a browser.
 */
export function createOriginPolicy(allowedOrigins: readonly string[] = []): (req: IncomingMessage) => boolean {
  const allowed = new Set(allowedOrigins.map(normaliseOrigin));
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const normalised = normaliseOrigin(origin);
    if (allowed.size > 0) return allowed.has(normalised);
    return hostOf(normalised) === req.headers.host?.toLowerCase();
  };
}

function normaliseOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
