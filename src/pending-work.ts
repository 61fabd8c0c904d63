/**
 * Promises under way, counted until they settle, so that a closer can wait
 * until none is left (the Manager's background work, the PostgreSQL store's
 * statements).
 *
 * A count, not a Set of the promises: a long-lived Set that each message adds
 * to and deletes from has V8 rebuild its table in the old generation again
 * and again, and each discarded table keeps the promises it held (and all
 * they reference) alive through young collections until the next full one.
 * That was the largest share of what the main thread promoted per message
 * (bench/RESULTS.md, "Issue 19, tenth pass"). Nothing is allocated per
 * promise here but its one reaction.
 */
export class PendingWork {
  private count = 0;
  /** Resolved when `count` drops to 0; made only while someone waits. */
  private idle: { promise: Promise<void>; resolve: () => void } | null = null;

  /** @param onRejected told of each counted promise that rejects (the caller still gets the rejection). */
  constructor(private readonly onRejected?: (err: unknown) => void) {}

  /** Counts `promise` until it settles; returns it. */
  add<T>(promise: Promise<T>): Promise<T> {
    this.count++;
    promise.then(this.settled, this.rejected);
    return promise;
  }

  /** How many are pending. */
  get size(): number {
    return this.count;
  }

  /** Resolves once nothing is pending, including work added while waiting. */
  async drained(): Promise<void> {
    while (this.count > 0) {
      if (!this.idle) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.idle = { promise, resolve };
      }
      await this.idle.promise;
    }
  }

  private readonly settled = (): void => {
    if (--this.count > 0 || !this.idle) return;
    this.idle.resolve();
    this.idle = null;
  };

  private readonly rejected = (err: unknown): void => {
    this.settled();
    this.onRejected?.(err);
  };
}
