/**
 * Message inserts, in commit order = id order, with group commit.
 *
 * Why a queue: `sync` uses the message id as a cursor ("every message with a
 * larger id"), so a message must never become visible after one with a larger
 * id. PostgreSQL hands out identity values at INSERT time but transactions
 * commit in any order: two instances inserting at once could commit id 11
 * before id 10, and a client that synced up to 11 in between would never see
 * 10. So every transaction that inserts messages first takes one advisory
 * lock (per schema) and keeps it until COMMIT: ids are drawn and made visible
 * one transaction at a time, across every instance.
 *
 * Serialised transactions would cap throughput at one commit (one WAL flush)
 * at a time, so writes enqueued while a batch is running (or in the same
 * tick) are grouped into the next batch: ONE transaction, one lock, one
 * flush, and every promise of the batch settles only after that COMMIT
 * returned. Same failure policy as SQLite's WriteQueue: each item runs in its
 * own SAVEPOINT; an item that fails on its own data (a ParlorError, a
 * constraint, a data exception) rolls back only itself and rejects only its
 * promise. Anything else (connection lost, timeout, COMMIT failed) rejects
 * every item of the batch, and nothing of it is stored.
 */
import type pg from 'pg';
import type { PgDatabase } from './database.js';
import { asInputError, failsAlone } from './sql-errors.js';

export interface MessageQueueOptions {
  /** Writes per transaction at most (default 256). */
  maxBatch?: number;
}

export interface MessageQueueStats {
  /** Transactions that committed. */
  batches: number;
  /** Items that committed (their promise resolved). */
  committed: number;
  /** Items whose promise rejected. */
  failed: number;
  largestBatch: number;
}

interface Pending<T = unknown> {
  work: (client: pg.PoolClient) => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
  outcome?: { ok: true; value: T } | { ok: false; error: unknown };
}

/** Taken first in every batch; released by COMMIT or ROLLBACK. */
export const MESSAGE_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('parlor:messages'), hashtext(current_schema()))`;

export class MessageQueue {
  readonly stats: MessageQueueStats = { batches: 0, committed: 0, failed: 0, largestBatch: 0 };
  private readonly maxBatch: number;
  private pending: Pending[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: PgDatabase,
    options: MessageQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new TypeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
  }

  /** Writes waiting for the next batch. */
  get size(): number {
    return this.pending.length;
  }

  /** Runs `work` in the next batch transaction, under the message lock; resolves after COMMIT. */
  enqueue<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the PostgreSQL store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve, reject } as Pending);
      // One batch at a time: what arrives meanwhile waits and forms the next one.
      this.running ??= this.drain();
    });
  }

  /** Refuses new writes, then resolves once every queued one has settled. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the rest of this tick enqueue too: same-tick writes share a batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) await this.commit(this.pending.splice(0, this.maxBatch));
    } finally {
      this.running = null;
    }
  }

  private async commit(items: Pending[]): Promise<void> {
    try {
      await this.db.transaction(async (client) => {
        await client.query(MESSAGE_LOCK_SQL);
        for (const item of items) await this.runOne(client, item);
      });
    } catch (err) {
      this.stats.failed += items.length;
      for (const item of items) item.reject(err);
      return;
    }
    this.stats.batches += 1;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, items.length);
    for (const item of items) {
      const outcome = item.outcome!;
      if (outcome.ok) {
        this.stats.committed += 1;
        item.resolve(outcome.value);
      } else {
        this.stats.failed += 1;
        item.reject(outcome.error);
      }
    }
  }

  private async runOne(client: pg.PoolClient, item: Pending): Promise<void> {
    await client.query('SAVEPOINT item');
    try {
      item.outcome = { ok: true, value: await item.work(client) };
      await client.query('RELEASE SAVEPOINT item');
    } catch (error) {
      if (!failsAlone(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT item');
      item.outcome = { ok: false, error: asInputError(error) };
    }
  }
}
