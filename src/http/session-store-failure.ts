import type { Logger } from '../logger.js';
import { isParlorError, type ParlorError } from '../errors.js';
import type { Awaitable } from '../types.js';
import { httpError } from './http-error.js';

/**
 * Parlor's session store failed (an error, or express-session left the
 * session unset while the store is disconnected): an outage, answered 503
 * `unavailable` as the upgrade answers it, never a bug (500) or a sign-out
 * (401). Logged as a warning: the store's error, never the session.
 */
export function sessionStoreFailure(logger: Logger, err: unknown, store = 'session store'): ParlorError {
  logger.warn({ err }, `${store} failed`);
  return httpError('unavailable', `the ${store} is unavailable`);
}

/**
 * A read or write of Parlor's accounts for register, login or a token by
 * password. On PostgreSQL they live in the session store's own database, so
 * its failure is the same outage: 503, as the session store's. A ParlorError
 * (a name taken) is the client's answer and passes as it is.
 */
export async function fromAccounts<T>(logger: Logger, use: () => Awaitable<T>): Promise<T> {
  try {
    return await use();
  } catch (err) {
    if (isParlorError(err)) throw err;
    throw sessionStoreFailure(logger, err, 'account store');
  }
}
