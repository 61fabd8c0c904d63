import { isClientMistake } from '../errors.js';
import type { Logger } from '../logger.js';
import { PendingWork } from '../pending-work.js';
import { InterfaceFailure } from '../interface-failure.js';

/**
 * Work the Manager started and has not finished (stores, publishes,
 * presence lookups), so `close()` can finish stored writes before it closes
 * sockets, and a failure in the background is logged instead of becoming an
 * unhandled rejection that would end the process. Counted, not kept
 * (PendingWork says why).
 */
export class InFlight {
  private readonly pending: PendingWork;

  constructor(private readonly log: Logger) {
    this.pending = new PendingWork((err) => this.failed(err));
  }

  track<T>(work: T | Promise<T>): Promise<T> {
    return this.pending.add(Promise.resolve(work));
  }

  /** Resolves once nothing is in flight, including work started while waiting. */
  drain(): Promise<void> {
    return this.pending.drained();
  }

  /**
   * `drain()`, for at most `ms`: whether everything finished. Work still
   * running then goes on (a write in the store commits, its ack finds the
   * socket closed); the caller stops waiting for it.
   */
  async drainWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([this.drain().then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  get size(): number {
    return this.pending.size;
  }

  private failed(err: unknown): void {
    // The caller answers a client's mistake (error frame, 4xx); only server failures are errors.
    if (isClientMistake(err)) this.log.debug({ code: err.code, reason: err.message }, 'background work refused');
    else if (err instanceof InterfaceFailure) this.log.warn({ err: err.cause, interface: err.interfaceName }, `${err.interfaceName} failed`);
    else this.log.error({ err }, 'background work failed');
  }
}
