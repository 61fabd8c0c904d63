/** SqliteWriter on the calling thread: writes.ts prepared on the main connection, batched by WriteQueue. */
import type { Database } from 'better-sqlite3';
import type { BatchStats } from '../batch.js';
import { type CommitListener, CommitListeners, type SqliteWriter } from './sqlite-writer.js';
import { WriteQueue, type WriteQueueOptions } from './write-queue.js';
import { prepareWrites, runWrite, type SqliteWrites, type WriteArgs, type WriteCall, type WriteOp, type WriteResult } from './writes.js';

export class InlineWriter implements SqliteWriter {
  readonly kind = 'inline' as const;
  readonly failure = null;
  private readonly queue: WriteQueue;
  private readonly writes: SqliteWrites;
  private readonly commits = new CommitListeners();

  constructor(db: Database, options: WriteQueueOptions = {}) {
    this.queue = new WriteQueue(db, options);
    this.writes = prepareWrites(db);
  }

  run<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    const call: WriteCall<K> = [op, args];
    return this.queue.enqueue(() => runWrite(this.writes, op, args), () => this.commits.committed(call));
  }

  afterCommit(listener: CommitListener): void {
    this.commits.add(listener);
  }

  get stats(): BatchStats {
    return this.queue.stats;
  }

  get storageFailure(): Error | null {
    return this.queue.storage.failure;
  }

  get size(): number {
    return this.queue.size;
  }

  /** Commits synchronously (before the promise is even returned). */
  close(): Promise<void> {
    this.queue.close();
    return Promise.resolve();
  }
}
