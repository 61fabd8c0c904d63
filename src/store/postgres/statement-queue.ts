/**
 * Group commit for PostgreSQL writes that are one statement per batch.
 *
 * Inputs enqueued while a batch is running (or in the same tick) form the
 * next batch, up to `maxBatch`; the batch is handed to `run`, which sends ONE
 * statement (one round trip, one implicit transaction, one WAL flush) and
 * returns one outcome per input. Every promise settles only after that
 * statement returned, i.e. after its COMMIT.
 *
 * Failure policy, the same as SQLite's WriteQueue (src/store/batch.ts): an
 * input that failed on its own data gets its own failed outcome and the
 * others are stored; when `run` throws (connection lost, timeout, COMMIT
 * failed), every input of the batch rejects with that error and nothing of
 * it is stored, since the statement was one transaction.
 *
 * One batch at a time per queue: under load batches grow by themselves, and
 * the next one leaves as soon as the previous answered.
 */
import { maxBatchOf, newBatchStats, rejectBatch, settleCommitted, type BatchItem, type BatchStats, type Outcome } from '../batch.js';
import { BatchBuffer } from '../batch-buffer.js';
import { ParlorError } from '../../errors.js';

export interface StatementQueueOptions {
  /** Inputs per statement at most (default 256). */
  maxBatch?: number;
  /**
   * Inputs waiting at most (default 20,000, as SQLite's write worker); past
   * it `enqueue` refuses with `rate_limited`, so a stalled database costs
   * bounded memory and clients wait and send again.
   */
  maxPending?: number;
}

export const DEFAULT_MAX_PENDING = 20_000;

/** Sends one batch as one statement; the outcomes are in input order, one per input. */
export type RunBatch<I, O> = (inputs: I[]) => Promise<Outcome<O>[]>;

export class StatementQueue<I, O> {
  readonly stats: BatchStats = newBatchStats();
  /** Same-tick inputs wait together; the first batch leaves on the next turn. */
  private readonly pending: BatchBuffer<BatchItem<I, O>>;
  private running: Promise<void> | null = null;
  private closed = false;

  private readonly maxPending: number;

  constructor(
    private readonly run: RunBatch<I, O>,
    options: StatementQueueOptions = {},
  ) {
    this.pending = new BatchBuffer(() => this.start(), maxBatchOf(options.maxBatch));
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  }

  /** Inputs waiting for the next batch. */
  get size(): number {
    return this.pending.size;
  }

  /** Sends `input` with the next batch; resolves with its own outcome once the batch committed. */
  enqueue(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error('the PostgreSQL store is closed'));
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new ParlorError('rate_limited', 'the server is writing a backlog; try again in a moment'));
    }
    return new Promise<O>((resolve, reject) => {
      this.pending.add({ work: input, resolve, reject });
    });
  }

  /** Refuses new inputs, then resolves once every queued one has settled. */
  async close(): Promise<void> {
    this.closed = true;
    // Inputs of this very turn would otherwise wait for the next one.
    this.pending.cancel();
    this.start();
    while (this.running) await this.running;
  }

  /** Sends batches until none is left, one at a time; a batch already on its way sends the new inputs when it answered. */
  private start(): void {
    // With nothing pending, drain() would finish before `running` is assigned and leave it set.
    if (this.running || this.pending.size === 0) return;
    this.running = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) await this.send(this.pending.take());
    } finally {
      this.running = null;
    }
  }

  private async send(items: BatchItem<I, O>[]): Promise<void> {
    let outcomes: Outcome<O>[];
    try {
      outcomes = await this.run(items.map((item) => item.work));
      if (outcomes.length !== items.length) throw new Error(`a batch of ${items.length} came back with ${outcomes.length} outcomes`);
    } catch (err) {
      rejectBatch(items, err, this.stats);
      return;
    }
    items.forEach((item, i) => (item.outcome = outcomes[i]));
    settleCommitted(items, this.stats);
  }
}
