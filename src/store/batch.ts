/**
 * What the SQLite WriteQueue and the PostgreSQL MessageQueue share: the
 * bookkeeping of a group-commit batch. Each queue runs its own transaction;
 * both then settle the batch here, so the two cannot disagree on what a
 * committed or a failed batch means for its promises.
 */

/** Counters, so tests and metrics can see how writes were grouped. */
export interface BatchStats {
  /** Transactions that committed. */
  batches: number;
  /** Items that committed (their promise resolved). */
  committed: number;
  /** Items whose promise rejected. */
  failed: number;
  /** Size of the largest batch so far. */
  largestBatch: number;
}

/** Writes per transaction at most: `maxBatch` (default 256), checked at construction. */
export function maxBatchOf(maxBatch: number | undefined): number {
  const n = maxBatch ?? 256;
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  return n;
}

export function newBatchStats(): BatchStats {
  return { batches: 0, committed: 0, failed: 0, largestBatch: 0 };
}

/** What one item of a batch came to: its value, or the error it failed with alone. */
export type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; error: unknown };

/** One queued write. `outcome` is set inside the transaction, and acted on only after it committed. */
export interface BatchItem<W, T = unknown> {
  work: W;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
  outcome?: Outcome<T>;
}

/** The transaction committed: each item resolves or rejects by its own outcome. */
export function settleCommitted<T>(items: ReadonlyArray<BatchItem<unknown, T>>, stats: BatchStats): void {
  stats.batches += 1;
  stats.largestBatch = Math.max(stats.largestBatch, items.length);
  for (const item of items) {
    const outcome = item.outcome!;
    if (outcome.ok) {
      stats.committed += 1;
      item.resolve(outcome.value);
    } else {
      stats.failed += 1;
      item.reject(outcome.error);
    }
  }
}

/** The transaction failed as a whole: nothing of the batch is stored, every item rejects. */
export function rejectBatch<T>(items: ReadonlyArray<BatchItem<unknown, T>>, err: unknown, stats: BatchStats): void {
  stats.failed += items.length;
  for (const item of items) item.reject(err);
}
