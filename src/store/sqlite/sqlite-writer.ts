/**
 * What the SQLite stores write through: a named operation of writes.ts, run
 * in a group-commit transaction, answered after COMMIT. Two implementations:
 * InlineWriter (this thread; `:memory:` databases, which another thread
 * cannot open) and WorkerWriter (a worker thread with its own connection; the
 * default for database files, so the commit and its fsync never block the
 * event loop that serves the sockets).
 */
import type { BatchStats } from '../batch.js';
import type { WriteArgs, WriteCall, WriteOp, WriteResult } from './writes.js';

export type WriterKind = 'inline' | 'worker';

export interface SqliteWriter {
  readonly kind: WriterKind;
  /** Resolves with the operation's result after its transaction committed. */
  run<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>>;
  /** Transactions and items so far, for tests and metrics. */
  readonly stats: BatchStats;
  /** Writes accepted and not yet answered. */
  readonly size: number;
  /** Set when the writer stopped on its own (the worker died); every later write rejects with it. */
  readonly failure: Error | null;
  /**
   * The error of the most recent batch when it failed because of the storage
   * (isStorageFailure: I/O error, disk full, read-only, file gone); null again
   * once a batch commits. While set, ping() and /healthz report the store down.
   */
  readonly storageFailure: Error | null;
  /** Commits what is queued, then refuses new writes. */
  close(): Promise<void>;
  /**
   * `listener` is called with every write that committed, in order, before
   * its promise settles: how an in-memory cache of this process hears of the
   * writes that change what it keeps (relation-cache.ts), whichever store
   * made them, with no promise of its own. A listener must not throw.
   */
  afterCommit(listener: CommitListener): void;
}

export type CommitListener = (call: WriteCall) => void;

/** The listeners of one writer. */
export class CommitListeners {
  private readonly listeners: CommitListener[] = [];

  get any(): boolean {
    return this.listeners.length > 0;
  }

  add(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  committed(call: WriteCall): void {
    for (const listener of this.listeners) listener(call);
  }
}

/** The error of a write made after close(). */
export function closedError(): Error {
  return new Error('the SQLite store is closed');
}
