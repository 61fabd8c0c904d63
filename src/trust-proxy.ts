/**
 * Which peers may speak for the client through `X-Forwarded-*`: Express's
 * `trust proxy` setting, compiled the way Express compiles it, so that what
 * Parlor decides without Express (the `/ws` upgrade never reaches an Express
 * app) agrees with `req.protocol`, `req.secure` and `req.ip` on the same
 * request.
 */
import proxyaddr from 'proxy-addr';

/**
 * Everything `app.set('trust proxy', ...)` takes: `true` (every peer),
 * `false` (none), a hop count (the first n addresses, counted from the
 * socket's own peer), proxy addresses or subnets with proxy-addr's names
 * (`'loopback, 10.0.0.0/8'` or `['loopback', '10.0.0.0/8']`), or a function
 * of an address and its hop (0 = the socket's own peer).
 */
export type TrustProxySetting = boolean | number | string | readonly string[] | ((addr: string, hop: number) => boolean);

/** Is the address at this hop (0 = the socket's own peer) a proxy we believe? */
export type TrustProxyFn = (addr: string, hop: number) => boolean;

const trustAll: TrustProxyFn = () => true;

/**
 * Mirrors Express's `compileTrust` (express/lib/utils.js, not exported):
 * absent or `false` trusts nobody, a string is a comma-separated list, and
 * addresses go to proxy-addr, which throws on one it cannot parse (as
 * `app.set` would).
 */
export function compileTrustProxy(setting: TrustProxySetting | undefined): TrustProxyFn {
  if (typeof setting === 'function') return setting;
  if (setting === true) return trustAll;
  if (typeof setting === 'number') return (_addr, hop) => hop < setting;
  const addresses = typeof setting === 'string' ? setting.split(',').map((a) => a.trim()) : [...(setting || [])];
  return proxyaddr.compile(addresses);
}

/** Would Express accept this setting? proxy-addr refuses an address it cannot parse. */
export function trustProxyCompiles(setting: TrustProxySetting): boolean {
  try {
    compileTrustProxy(setting);
    return true;
  } catch {
    return false;
  }
}
