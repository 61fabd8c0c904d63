/**
 * SqliteWriter backed by the write worker (write-worker.ts). Writes travel to
 * the worker as one message per event-loop turn, at most four messages
 * unanswered. The worker takes every message waiting in its port when a
 * commit ends, so those become one batch: a write made during a commit is
 * already there when the next one starts. With two in flight, most such
 * writes waited on this thread until it had read the reply of the commit
 * under way (issue 19, fourteenth pass in bench/RESULTS.md: the half-load
 * median latency is about 14% lower with four). The bound keeps the main thread from
 * waking the worker once per turn for nothing (one message per turn, without
 * a bound, had it woken 4-7 times per commit); writes made while all four
 * are out wait here and leave together when the first is answered. The
 * worker commits in one transaction and answers in order. A reply settles
 * the oldest waiting writes, by the same rules as the inline queue
 * (src/store/batch.ts).
 *
 * When the worker dies (it should not: it catches every SQLite error), every
 * waiting write rejects, later writes reject, and `failure` is set so that
 * `ping()` and /healthz report the store as down.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { type BatchItem, type BatchStats, maxBatchOf, newBatchStats, rejectBatch, settleCommitted } from '../batch.js';
import { BatchBuffer } from '../batch-buffer.js';
import { type FileIdentity, StorageHealth } from './file-health.js';
import { closedError, type CommitListener, CommitListeners, type SqliteWriter } from './sqlite-writer.js';
import { writeWorkerUrl } from './write-worker-entry.js';
import {
  type WorkerReply,
  type WorkerRequest,
  type WriteWorkerData,
  committedOutcomes,
  encodeWrites,
  fromWireError,
} from './write-worker-protocol.js';
import type { WriteArgs, WriteCall, WriteOp, WriteResult } from './writes.js';
import { ParlorError } from '../../errors.js';

export interface WorkerWriterOptions {
  path: string;
  /** The file the main connection opened: the worker refuses to commit once the path names another (or none). */
  file: FileIdentity;
  busyTimeoutMs: number;
  maxBatch?: number;
  /** Writes waiting for the worker at most (DEFAULT_MAX_PENDING_WRITES); past it, `run` refuses. */
  maxPendingWrites?: number;
}

/**
 * About a second of writes at this machine's peak: what a stalled disk, or
 * another process holding the write lock, may pile up before new writes are
 * refused. Each holds its arguments (a message's content: up to 16 KB), so the
 * bound is on memory too.
 */
export const DEFAULT_MAX_PENDING_WRITES = 20_000;

/** A write sent or about to be sent, with its call: what commit listeners are told. */
type Waiting = BatchItem<WriteCall>;

/**
 * What the worker died of, as an Error. An exception thrown in the worker
 * (better-sqlite3's SqliteError while opening the file, say) reaches this
 * thread as what structured clone keeps of it: its own properties
 * (`{code: 'SQLITE_IOERR_SHORT_READ'}`), no prototype, no message. Writes
 * rejected with that would be logged as `undefined`.
 */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const code = (thrown as { code?: unknown } | null)?.code;
  const error = new Error(`the SQLite write worker failed${typeof code === 'string' ? `: ${code}` : ''}`);
  if (typeof code === 'string') Object.assign(error, { code });
  return error;
}

/** Messages sent to the worker and not fully answered, at most (see the top of this file). */
const MESSAGES_IN_FLIGHT = 4;

export class WorkerWriter implements SqliteWriter {
  readonly kind = 'worker' as const;
  readonly stats: BatchStats = newBatchStats();
  failure: Error | null = null;
  private readonly storage = new StorageHealth();

  /** SqliteWriter.storageFailure. */
  get storageFailure(): Error | null {
    return this.storage.failure;
  }

  /** The thread, for diagnostics and tests. */
  readonly worker: Worker;
  /** Writes not sent yet: they leave on the next turn, or with the reply to the batch in flight. */
  private readonly outbox = new BatchBuffer<WriteCall>(() => this.sendUnlessBusy());
  /** Sent or about to be sent, oldest first: the order the worker answers in. */
  private readonly waiting: Waiting[] = [];
  /** Per message sent and not fully answered, oldest first: how many of its writes are unanswered. */
  private readonly inFlight: number[] = [];
  private closing: Promise<void> | null = null;
  private readonly commits = new CommitListeners();

  private readonly maxPending: number;

  constructor(options: WorkerWriterOptions) {
    this.maxPending = options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES;
    const workerData: WriteWorkerData = {
      path: options.path,
      file: options.file,
      busyTimeoutMs: options.busyTimeoutMs,
      maxBatch: maxBatchOf(options.maxBatch),
    };
    this.worker = new Worker(writeWorkerUrl(), { workerData, name: 'parlor-sqlite-writer' });
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (err) => this.stop(asError(err)));
    this.worker.on('exit', (code) => this.stop(new Error(`the SQLite write worker exited (code ${code})`)));
  }

  get size(): number {
    return this.waiting.length;
  }

  run<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    if (this.closing) return Promise.reject(closedError());
    if (this.failure) return Promise.reject(this.failure);
    // Backpressure: `rate_limited` is what a client already answers by waiting and sending again
    // (the SDK requeues the message and slows down; HTTP is a 429), and it is not logged as a failure.
    if (this.waiting.length >= this.maxPending) {
      return Promise.reject(new ParlorError('rate_limited', 'the server is writing a backlog; try again in a moment'));
    }
    const call: WriteCall<K> = [op, args];
    return new Promise<WriteResult<K>>((resolve, reject) => {
      this.outbox.add(call);
      // The worker answers in order: the value that settles this item is its operation's result.
      this.waiting.push({ work: call, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  afterCommit(listener: CommitListener): void {
    this.commits.add(listener);
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    if (this.failure) return;
    const exited = once(this.worker, 'exit');
    this.send();
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    await exited;
  }

  /** Sent now unless MESSAGES_IN_FLIGHT are out; then with the next reply. */
  private sendUnlessBusy(): void {
    if (this.inFlight.length < MESSAGES_IN_FLIGHT) this.send();
  }

  private send(): void {
    this.outbox.cancel();
    if (this.outbox.size === 0) return;
    const items = this.outbox.takeAll();
    try {
      this.worker.postMessage(encodeWrites(items) satisfies WorkerRequest);
      this.inFlight.push(items.length);
      return;
    } catch {
      // An argument that cannot be cloned (a caller's bug, e.g. a function in
      // notification data): send the items one by one, so only that write fails.
    }
    // The items of this message are the newest waiting writes, in order.
    const theirs = this.waiting.splice(this.waiting.length - items.length);
    items.forEach((item, i) => {
      try {
        this.worker.postMessage(encodeWrites([item]) satisfies WorkerRequest);
        this.inFlight.push(1);
        this.waiting.push(theirs[i]!);
      } catch (err) {
        rejectBatch([theirs[i]!], err, this.stats);
      }
    });
  }

  private settle(reply: WorkerReply): void {
    // A reply that arrives after the writer stopped (the worker posted it, then failed): its writes were
    // already rejected with the failure, and nothing waits for it any more. Settling would find no items.
    if (this.failure) return;
    this.answered(reply.type === 'failed' ? reply.count : reply.values.length);
    // What waited leaves now, before this batch's promises settle.
    this.sendUnlessBusy();
    if (reply.type === 'failed') {
      const error = fromWireError(reply.error);
      this.storage.batchFailed(error);
      rejectBatch(this.waiting.splice(0, reply.count), error, this.stats);
      return;
    }
    this.storage.batchCommitted();
    const items = this.waiting.splice(0, reply.values.length);
    committedOutcomes(reply).forEach((outcome, i) => {
      const item = items[i]!;
      item.outcome = outcome;
      if (outcome.ok && this.commits.any) this.commits.committed(item.work);
    });
    settleCommitted(items, this.stats);
  }

  /** The worker answers in order, a message's writes possibly over several batches (maxBatch). */
  private answered(count: number): void {
    let left = count;
    while (left > 0 && this.inFlight.length > 0) {
      const first = Math.min(left, this.inFlight[0]!);
      left -= first;
      if ((this.inFlight[0]! -= first) === 0) this.inFlight.shift();
    }
  }

  private stop(err: Error): void {
    if (this.failure) return;
    this.failure = this.closing ? closedError() : err;
    this.outbox.cancel();
    this.outbox.takeAll();
    rejectBatch(this.waiting.splice(0), this.failure, this.stats);
  }
}
