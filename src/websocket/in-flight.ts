import { isClientMistake } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Work the Manager started and has not finished (stores, publishes,
 * presence lookups), so `close()` can finish stored writes before it closes
 * sockets, and a failure in the background is logged instead of becoming an
 * unhandled rejection that would end the process.
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly log: Logger) {}

  track<T>(work: T | Promise<T>): Promise<T> {
    const p = Promise.resolve(work);
    this.pending.add(p);
    const forget = () => this.pending.delete(p);
    p.then(forget, (err: unknown) => {
      forget();
      // The caller answers a client's mistake (error frame, 4xx); only server failures are errors.
      if (isClientMistake(err)) this.log.debug({ code: err.code, reason: err.message }, 'background work refused');
      else this.log.error({ err }, 'background work failed');
    });
    return p;
  }

  /** Resolves once nothing is in flight, including work started while waiting. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
