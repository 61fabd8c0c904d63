import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { compileTrustProxy, type TrustProxyFn, type TrustProxySetting } from '../trust-proxy.js';

export interface OriginPolicyOptions {
  /**
   * Express's `trust proxy` setting: `X-Forwarded-Proto` gives the server's own
   * scheme only when the request's peer is a trusted proxy. Default false.
   */
  trustProxy?: TrustProxySetting;
}

/**
 * Which browser origins may use cookie credentials: a cookie-authenticated
 * socket (cross-site WebSocket hijacking) and a cookie-authenticated HTTP
 * write (cross-site request forgery) follow the same rule.
 *
 * With no list, only the server's own origin: the same scheme, host and port
 * as the request itself (its Host header, and TLS or, from a peer that
 * `trustProxy` trusts, `X-Forwarded-Proto`, as Express's `req.protocol`).
 * A request without an Origin header comes from no browser and passes here;
 * HTTP writes also look at `Sec-Fetch-Site`.
 */
export function createOriginPolicy(allowedOrigins: readonly string[] = [], options: OriginPolicyOptions = {}): (req: IncomingMessage) => boolean {
  const allowed = new Set(allowedOrigins.map(originOf).filter((o): o is string => o !== undefined));
  const trust = compileTrustProxy(options.trustProxy);
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const normalised = originOf(origin);
    if (normalised === undefined) return false;
    if (allowedOrigins.length > 0) return allowed.has(normalised);
    return normalised === ownOriginOf(req, trust);
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

function ownOriginOf(req: IncomingMessage, trust: TrustProxyFn): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  return originOf(`${schemeOf(req, trust)}://${host}`);
}

/**
 * As Express's `req.protocol`: the socket's own scheme, unless the peer that
 * sent the request is a proxy trusted at hop 0; only then does its
 * `X-Forwarded-Proto` say what the client used. Anyone else could write the
 * header. A closed socket has no address: '' (no IP) is what a host's trust
 * function sees then, where Express would pass undefined.
 */
function schemeOf(req: IncomingMessage, trust: TrustProxyFn): 'http' | 'https' {
  const socket = req.socket as TLSSocket | undefined;
  const own = socket?.encrypted ? 'https' : 'http';
  if (!trust(socket?.remoteAddress ?? '', 0)) return own;
  return firstValue(req.headers['x-forwarded-proto']) ?? own;
}

function firstValue(header: string | string[] | undefined): 'http' | 'https' | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim().toLowerCase();
  return first === 'http' || first === 'https' ? first : undefined;
}
