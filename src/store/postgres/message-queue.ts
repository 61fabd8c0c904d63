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
 * returned.
 *
 * Same failure policy as SQLite's WriteQueue: an item that fails on its own
 * data (a ParlorError, a constraint, a data exception) rejects only its own
 * promise and the others commit; anything else (connection lost, timeout,
 * COMMIT failed) rejects every item of the batch, and nothing of it is
 * stored. Savepoints cost two round trips per item, so a batch first runs
 * without them; only when an item fails alone is the batch rolled back and
 * run again with each item in its own SAVEPOINT (the items are re-runnable:
 * nothing of the first attempt survives the rollback).
 */
import type pg from 'pg';
import { maxBatchOf, newBatchStats, rejectBatch, settleCommitted, type BatchItem, type BatchStats } from '../batch.js';
import type { PgDatabase } from './database.js';
import { asInputError, failsAlone } from './sql-errors.js';

export interface MessageQueueOptions {
  /** Writes per transaction at most (default 256). */
  maxBatch?: number;
}

export type MessageQueueStats = BatchStats;

type Pending<T = unknown> = BatchItem<(client: pg.PoolClient) => Promise<T>, T>;

/** Taken first in every batch; released by COMMIT or ROLLBACK. */
export const MESSAGE_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('parlor:messages'), hashtext(current_schema()))`;

/** BEGIN and the lock in one round trip (no parameters: the simple query protocol takes both). */
const BEGIN_LOCKED = `BEGIN; ${MESSAGE_LOCK_SQL}`;

export class MessageQueue {
  readonly stats: MessageQueueStats = newBatchStats();
  private readonly maxBatch: number;
  private pending: Pending[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: PgDatabase,
    options: MessageQueueOptions = {},
  ) {
    this.maxBatch = maxBatchOf(options.maxBatch);
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
      try {
        await this.attempt(items, false);
      } catch (err) {
        // One item failed on its own data: alone in its batch, that is its answer;
        // otherwise run the batch again with each item isolated by a savepoint.
        if (!failsAlone(err)) throw err;
        if (items.length === 1) {
          items[0]!.outcome = { ok: false, error: asInputError(err) };
        } else {
          await this.attempt(items, true);
        }
      }
    } catch (err) {
      rejectBatch(items, err, this.stats);
      return;
    }
    settleCommitted(items, this.stats);
  }

  /** One transaction over the items; without `isolate`, the first item failure aborts it (and is thrown). */
  private attempt(items: Pending[], isolate: boolean): Promise<void> {
    return this.db.withClient(async (client) => {
      await client.query(BEGIN_LOCKED);
      for (const item of items) {
        if (isolate) await this.runIsolated(client, item);
        else item.outcome = { ok: true, value: await item.work(client) };
      }
      await client.query('COMMIT');
    }, true);
  }

  private async runIsolated(client: pg.PoolClient, item: Pending): Promise<void> {
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
