/**
 * Group commit for better-sqlite3 on the thread that calls it. With
 * `synchronous = FULL` every COMMIT is an fsync, so committing each message
 * on its own caps throughput at the disk's fsync rate. Writes enqueued in the
 * same tick run instead in ONE transaction (batch-transaction.ts), flushed on
 * the next turn (src/store/batch-buffer.ts) or as soon as a batch is full,
 * and every promise of the batch settles only after that COMMIT returned.
 *
 * The stores use it through InlineWriter (src/store/sqlite/inline-writer.ts)
 * for `:memory:` databases; the write worker runs the same batches on its own
 * thread for database files.
 */
import type { Database } from 'better-sqlite3';
import { maxBatchOf, newBatchStats, rejectBatch, settleCommitted, type BatchItem, type BatchStats } from '../batch.js';
import { BatchBuffer } from '../batch-buffer.js';
import { createBatchTransaction } from './batch-transaction.js';
import { StorageHealth } from './file-health.js';
import { closedError } from './sqlite-writer.js';

export interface WriteQueueOptions {
  /** Flush as soon as this many writes are waiting (default 256). */
  maxBatch?: number;
  /** Runs before each batch; a throw fails the batch as a whole, nothing of it run (e.g. the file is gone: assertStillOnDisk). */
  beforeBatch?: () => void;
}

export type WriteQueueStats = BatchStats;

type Pending<T = unknown> = BatchItem<() => T, T> & { committed?: () => void };

export class WriteQueue {
  readonly stats: WriteQueueStats = newBatchStats();
  /** SqliteWriter.storageFailure. */
  readonly storage = new StorageHealth();
  private readonly beforeBatch: () => void;
  private readonly pending: BatchBuffer<Pending>;
  private closed = false;
  private readonly runBatch: (items: readonly Pending[]) => ReturnType<ReturnType<typeof createBatchTransaction>>;

  constructor(db: Database, options: WriteQueueOptions = {}) {
    this.pending = new BatchBuffer(() => this.flush(), maxBatchOf(options.maxBatch));
    this.runBatch = createBatchTransaction(db, (item: Pending) => item.work());
    this.beforeBatch = options.beforeBatch ?? (() => {});
  }

  /** Number of writes waiting for the next flush. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Runs `work` (synchronous better-sqlite3 calls) in the next batch
   * transaction; resolves with its result after COMMIT, once `committed`
   * (if given) has been called.
   */
  enqueue<T>(work: () => T, committed?: () => void): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.pending.add({ work, resolve, reject, committed } as Pending);
      if (this.pending.size >= this.pending.maxBatch) this.flush();
    });
  }

  /** Commits everything waiting now, synchronously. */
  flush(): void {
    this.pending.cancel();
    while (this.pending.size > 0) this.commit(this.pending.take());
  }

  /** Flushes, then refuses new writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private commit(items: Pending[]): void {
    try {
      this.beforeBatch();
      const outcomes = this.runBatch(items);
      items.forEach((item, i) => (item.outcome = outcomes[i]));
    } catch (err) {
      this.storage.batchFailed(err);
      rejectBatch(items, err, this.stats);
      return;
    }
    this.storage.batchCommitted();
    for (const item of items) if (item.outcome!.ok) item.committed?.();
    settleCommitted(items, this.stats);
  }
}
