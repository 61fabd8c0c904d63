import type { RequestHandler } from 'express';

/**
 * What runs in front of each Parlor route, attached route by route (never with
 * `router.use`), so that requests for the host's own paths meet none of it.
 */
export interface RouteChains {
  /** Request log line, security headers, cross-site write check, JSON body. */
  open: RequestHandler[];
  /** `open`, then 401 unless the request carries a valid session or bearer token. */
  signedIn: RequestHandler[];
}
