import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface OriginPolicyOptions {
  /** Believe `X-Forwarded-Proto` for the server's own scheme (behind a TLS-terminating proxy). Default false. */
  trustProxy?: boolean;
}

/**
 * Which browser origins may use cookie credentials: a cookie-authenticated
 * socket (cross-site WebSocket hijacking) and a cookie-authenticated HTTP
 * write (cross-site request forgery) follow the same rule.
 *
 * With no list, only the server's own origin: the same scheme, host and port
 * as the request itself (its Host header, and TLS or, with `trustProxy`,
 * `X-Forwarded-Proto`). A request without an Origin header comes from no
 * browser and passes here; HTTP writes also look at `Sec-Fetch-Site`.
 */
export function createOriginPolicy(allowedOrigins: readonly string[] = [], options: OriginPolicyOptions = {}): (req: IncomingMessage) => boolean {
  const allowed = new Set(allowedOrigins.map(originOf).filter((o): o is string => o !== undefined));
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const normalised = originOf(origin);
    if (normalised === undefined) return false;
    if (allowedOrigins.length > 0) return allowed.has(normalised);
    return normalised === ownOriginOf(req, options.trustProxy ?? false);
  };
}

/** `scheme://host[:port]` in URL's canonical form (lowercase, default port dropped); undefined for "null" or garbage. */
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value.trim()).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

function ownOriginOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  const forwarded = trustProxy ? firstValue(req.headers['x-forwarded-proto']) : undefined;
  const scheme = forwarded ?? ((req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http');
  return originOf(`${scheme}://${host}`);
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim().toLowerCase();
  return first === 'http' || first === 'https' ? first : undefined;
}
