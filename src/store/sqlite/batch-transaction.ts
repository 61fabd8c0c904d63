/**
 * One group-commit batch on one better-sqlite3 connection: the part of the
 * SQLite write path that is the same on the main thread (WriteQueue) and in
 * the write worker.
 *
 * Failure policy (the same as PostgreSQL's MessageQueue): an item that throws
 * (an unknown recipient, a constraint) gets its own failed outcome; the others
 * still commit together. When the transaction as a whole fails (COMMIT fails,
 * or SQLite rolled the whole transaction back, e.g. disk full), the batch
 * function throws that error and nothing of the batch is stored. So does an
 * item that fails for the storage (isStorageFailure: a read-only file, an I/O
 * error) inside a still-open transaction: that is no fault of the item's, the
 * others would fail the same way, and the writers must see the batch fail
 * (StorageHealth, /healthz), not commit. A file SQLite opened read-only fails
 * each write's statement with SQLITE_READONLY, never the BEGIN or the COMMIT.
 *
 * A SAVEPOINT and its RELEASE per item were a third of the batch's time in a
 * CPU profile of the private-message benchmark, so a batch first runs without
 * them. Only when an item throws is that transaction rolled back and the batch
 * run again with each item in its own SAVEPOINT, where a throwing item rolls
 * back only its own statements (that retry: src/store/isolated-retry.ts, the
 * same for PostgreSQL's message inserts). Items are re-runnable: they are
 * synchronous SQLite work, and nothing of the first attempt survives its rollback.
 */
import type { Database } from 'better-sqlite3';
import type { Outcome } from '../batch.js';
import { withIsolatedRetry } from '../isolated-retry.js';
import { isStorageFailure } from './file-health.js';

export type { Outcome };

/** Thrown out of the fast attempt when one item failed inside a still-open transaction. */
class ItemFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Returns a function that runs `execute` for every item in one IMMEDIATE
 * transaction and returns each item's outcome once it COMMITTED; it throws
 * when the transaction failed as a whole.
 */
export function createBatchTransaction<I>(db: Database, execute: (item: I) => unknown): (items: readonly I[]) => Outcome[] {
  // Called inside the batch transaction, a better-sqlite3 transaction
  // function becomes a SAVEPOINT ... RELEASE (ROLLBACK TO on throw).
  const runItem = db.transaction((item: I) => execute(item));

  const fast = db.transaction((items: readonly I[]): Outcome[] =>
    items.map((item) => {
      try {
        return { ok: true, value: execute(item) };
      } catch (error) {
        // SQLite rolled back the whole transaction (disk full, I/O error), or the storage refused the
        // write (read-only): the batch fails as a whole.
        if (!db.inTransaction || isStorageFailure(error)) throw error;
        // Otherwise the transaction (with whatever the item half-wrote) is rolled back and retried isolated.
        throw new ItemFailed(error);
      }
    }),
  ).immediate;

  const isolated = db.transaction((items: readonly I[]): Outcome[] =>
    items.map((item) => {
      try {
        return { ok: true, value: runItem(item) };
      } catch (error) {
        // The whole transaction is gone (disk full, I/O error), or the storage refused the write: fail the batch as a whole.
        if (!db.inTransaction || isStorageFailure(error)) throw error;
        return { ok: false, error };
      }
    }),
  ).immediate;

  return (items) =>
    withIsolatedRetry(
      items.length,
      (isolate) => (isolate ? isolated(items) : fast(items)),
      (err) => (err instanceof ItemFailed ? { error: err.error } : null),
    );
}
