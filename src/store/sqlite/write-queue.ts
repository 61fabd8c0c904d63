/**
 * Group commit for better-sqlite3. With `synchronous = FULL` every COMMIT is
 * an fsync, so committing each message on its own caps throughput at the
 * disk's fsync rate. Writes enqueued in the same tick run instead in ONE
 * transaction, flushed on `setImmediate` (or as soon as a batch is full), and
 * every promise of the batch settles only after that COMMIT returned.
 *
 * Failure policy: each item runs inside its own SAVEPOINT within the batch
 * transaction. An item that throws (an unknown recipient, a constraint) rolls
 * back only its savepoint and rejects only its own promise; the others still
 * commit together. When the transaction as a whole fails (COMMIT fails, or
 * SQLite rolled the whole transaction back, e.g. disk full), every item of the
 * batch rejects with that error and nothing of the batch is stored.
 */
import type { Database } from 'better-sqlite3';
import { newBatchStats, rejectBatch, settleCommitted, type BatchItem, type BatchStats } from '../batch.js';

export interface WriteQueueOptions {
  /** Flush as soon as this many writes are waiting (default 256). */
  maxBatch?: number;
}

export type WriteQueueStats = BatchStats;

type Pending<T = unknown> = BatchItem<() => T, T>;

export class WriteQueue {
  readonly stats: WriteQueueStats = newBatchStats();
  private readonly maxBatch: number;
  private pending: Pending[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;
  private readonly runBatch: (items: Pending[]) => void;
  private readonly runItem: (work: () => unknown) => unknown;

  constructor(
    private readonly db: Database,
    options: WriteQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new TypeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    // Called inside the batch transaction, a better-sqlite3 transaction
    // function becomes a SAVEPOINT ... RELEASE (ROLLBACK TO on throw).
    this.runItem = db.transaction((work: () => unknown) => work());
    this.runBatch = db.transaction((items: Pending[]) => {
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
      this.runBatch(items);
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
