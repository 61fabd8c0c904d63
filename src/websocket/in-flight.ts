import { isClientMistake } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Work the Manager started and has not finished (stores, publishes,
 * presence lookups), so `close()` can finish stored writes before it closes
 * sockets, and a failure in the background is logged instead of becoming an
 * unhandled rejection that would end the process.
 *
 * A count, not a Set of the promises: a long-lived Set that every message
 * adds to and deletes from has V8 rebuild its table in the old generation
 * again and again, and each discarded table keeps the promises it held (and
 * all they reference) alive through young collections until the next full
 * one. That was the largest share of what the main thread promoted per
 * message (bench/RESULTS.md, "Issue 19, tenth pass").
 */
export class InFlight {
  private pending = 0;
  /** Resolved when `pending` drops to 0; created only while someone drains. */
  private idle: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(private readonly log: Logger) {}

  track<T>(work: T | Promise<T>): Promise<T> {
    const p = Promise.resolve(work);
    this.pending++;
    p.then(
      () => this.settled(),
      (err: unknown) => {
        this.settled();
        // The caller answers a client's mistake (error frame, 4xx); only server failures are errors.
        if (isClientMistake(err)) this.log.debug({ code: err.code, reason: err.message }, 'background work refused');
        else this.log.error({ err }, 'background work failed');
      },
    );
    return p;
  }

  /** Resolves once nothing is in flight, including work started while waiting. */
  async drain(): Promise<void> {
    while (this.pending > 0) {
      if (!this.idle) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.idle = { promise, resolve };
      }
      await this.idle.promise;
    }
  }

  private settled(): void {
    if (--this.pending > 0 || !this.idle) return;
    this.idle.resolve();
    this.idle = null;
  }
}
