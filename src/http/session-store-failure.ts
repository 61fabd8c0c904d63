import type { Logger } from '../logger.js';
import type { ParlorError } from '../errors.js';
import { httpError } from './http-error.js';

/**
 * Parlor's session store failed (an error, or express-session left the
 * session unset while the store is disconnected): an outage, answered 503
 * `unavailable` as the upgrade answers it, never a bug (500) or a sign-out
 * (401). Logged as a warning: the store's error, never the session.
 */
export function sessionStoreFailure(logger: Logger, err: unknown): ParlorError {
  logger.warn({ err }, 'session store failed');
  return httpError('unavailable', 'the session store is unavailable');
}
