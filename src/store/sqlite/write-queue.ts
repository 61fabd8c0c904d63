/**
 * Group commit for better-sqlite3. With `synchronous = FULL` every COMMIT is
 * an fsync, so committing each message on its own caps throughput at the
 * disk's fsync rate. Writes enqueued in the same tick run instead in ONE
 * transaction, flushed on `setImmediate` (or as soon as a batch is full), and
 * every promise of the batch settles only after that COMMIT returned.
 *
 * Failure policy (the same as PostgreSQL's MessageQueue): an item that throws
 * (an unknown recipient, a constraint) rejects only its own promise; the others
 * still commit together. When the transaction as a whole fails (COMMIT fails,
 * or SQLite rolled the whole transaction back, e.g. disk full), every item of
 * the batch rejects with that error and nothing of the batch is stored.
 *
 * A SAVEPOINT and its RELEASE per item were a third of the batch's time in a
 * CPU profile of the private-message benchmark, so a batch first runs without
 * them. Only when an item throws is that transaction rolled back and the batch
 * run again with each item in its own SAVEPOINT, where a throwing item rolls
 * back only its own statements. Items are re-runnable: they are synchronous
 * SQLite work, and nothing of the first attempt survives its rollback.
 */
import type { Database } from 'better-sqlite3';
import { maxBatchOf, newBatchStats, rejectBatch, settleCommitted, type BatchItem, type BatchStats } from '../batch.js';

export interface WriteQueueOptions {
  /** Flush as soon as this many writes are waiting (default 256). */
  maxBatch?: number;
}

export type WriteQueueStats = BatchStats;

type Pending<T = unknown> = BatchItem<() => T, T>;

/** Thrown out of the fast attempt when one item failed inside a still-open transaction. */
class ItemFailed {
  constructor(readonly error: unknown) {}
}

export class WriteQueue {
  readonly stats: WriteQueueStats = newBatchStats();
  private readonly maxBatch: number;
  private pending: Pending[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;
  /** The fast attempt: the whole batch in one transaction, no savepoints. */
  private readonly runBatch: (items: Pending[]) => void;
  /** The retry after an item failed: each item in its own SAVEPOINT. */
  private readonly runIsolated: (items: Pending[]) => void;
  private readonly runItem: (work: () => unknown) => unknown;

  constructor(
    private readonly db: Database,
    options: WriteQueueOptions = {},
  ) {
    this.maxBatch = maxBatchOf(options.maxBatch);
    // Called inside the batch transaction, a better-sqlite3 transaction
    // function becomes a SAVEPOINT ... RELEASE (ROLLBACK TO on throw).
    this.runItem = db.transaction((work: () => unknown) => work());
    this.runBatch = db.transaction((items: Pending[]) => {
      for (const item of items) {
        try {
          item.outcome = { ok: true, value: item.work() };
        } catch (error) {
          // SQLite rolled back the whole transaction (disk full, I/O error): the batch fails as a whole.
          if (!this.db.inTransaction) throw error;
          // Otherwise the transaction (with whatever the item half-wrote) is rolled back and retried isolated.
          throw new ItemFailed(error);
        }
      }
    }).immediate;
    this.runIsolated = db.transaction((items: Pending[]) => {
      for (const item of items) this.runOne(item);
    }).immediate;
  }

  /** Number of writes waiting for the next flush. */
  get size(): number {
    return this.pending.length;
  }

  /**
   * Runs `work` (synchronous better-sqlite3 calls) in the next batch
   * transaction; resolves with its result after COMMIT.
   */
  enqueue<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the SQLite store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve, reject } as Pending);
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything waiting now, synchronously. */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    while (this.pending.length > 0) {
      const items = this.pending.splice(0, this.maxBatch);
      this.commit(items);
    }
  }

  /** Flushes, then refuses new writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private commit(items: Pending[]): void {
    try {
      try {
        this.runBatch(items);
      } catch (err) {
        if (!(err instanceof ItemFailed)) throw err;
        // Alone in its batch, the item's failure is its answer (nothing was stored);
        // otherwise run the batch again with each item isolated by a savepoint.
        if (items.length === 1) items[0]!.outcome = { ok: false, error: err.error };
        else this.runIsolated(items);
      }
    } catch (err) {
      rejectBatch(items, err, this.stats);
      return;
    }
    settleCommitted(items, this.stats);
  }

  private runOne(item: Pending): void {
    try {
      item.outcome = { ok: true, value: this.runItem(item.work) };
    } catch (error) {
      // SQLite rolled back the whole transaction (disk full, I/O error):
      // the batch is lost as a whole, so fail it as a whole.
      if (!this.db.inTransaction) throw error;
      item.outcome = { ok: false, error };
    }
  }
}
