import type { RequestHandler, Response } from 'express';
import type { Manager } from '../websocket/manager.js';
import { httpError } from './http-error.js';

/** Methods that change nothing: still answered while closing (until the host closes the stores). */
const READS = new Set(['GET', 'HEAD']);

/** Responses already counted: a request that falls through to a later Parlor route meets this rule again. */
const counted = new WeakSet<Response>();

/**
 * Parlor's HTTP requests and `parlor.close()`, in one place (in front of each
 * Parlor route, never of the host's): a request that arrives while Parlor runs
 * is counted in the Manager's in-flight work until its handler has ended the
 * response, so close() (and the host's `stores.close()` after it) waits for a
 * write under way: its store calls, its notification routed before the broker
 * closes. Once close() began, a write (any method but GET and HEAD) is refused
 * with 503 `unavailable` before anything is done; a read still answers.
 *
 * "Ended" is the handler's `res.end` (every answer goes through it), not the
 * connection: a client that hung up mid-way leaves the handler running, and
 * close() waits for it too (at most `shutdownWaitMs`, as for a frame).
 */
export function requestsDuringClose(manager: Manager): RequestHandler {
  return (req, res, next) => {
    if (counted.has(res)) return next();
    if (manager.lifecycle !== 'running') {
      if (READS.has(req.method)) return next();
      return next(httpError('unavailable', 'the server is shutting down; nothing was changed: send the request again in a moment'));
    }
    counted.add(res);
    manager.countWork(handlerEnded(res));
    next();
  };
}

/** Settles when the response is ended by whoever answers it (session middleware saves first, then calls this end). */
function handlerEnded(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const end = res.end;
    res.end = function (this: Response, ...args: unknown[]) {
      try {
        return (end as (...a: unknown[]) => Response).apply(this, args);
      } finally {
        resolve();
      }
    } as Response['end'];
  });
}
