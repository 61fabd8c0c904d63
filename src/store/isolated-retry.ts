/**
 * The group-commit retry, one copy for both backends (SQLite's
 * batch-transaction.ts, PostgreSQL's message-insert.ts).
 *
 * A batch first runs without per-item isolation (a SAVEPOINT per item was a
 * third of a SQLite batch's time; on PostgreSQL it is a subtransaction per
 * row). When that attempt fails because of ONE item's own data, nothing of it
 * is stored (the transaction or the statement is rolled back as a whole), so:
 * alone in its batch, the item's failure is its answer; otherwise the batch
 * runs again with each item isolated, where a failing item fails alone and
 * the others are stored. Any other failure (disk full, connection lost)
 * fails the batch as a whole: it is thrown.
 */
import type { Outcome } from './batch.js';

/** The attempt failed because of one item (`error` is that item's), or null: it failed as a whole. */
export type ItemFailure = (err: unknown) => { error: unknown } | null;

/** Synchronous attempts (better-sqlite3) answer synchronously; asynchronous ones (pg) with a promise. */
export function withIsolatedRetry<O>(count: number, attempt: (isolated: boolean) => Outcome<O>[], itemFailure: ItemFailure): Outcome<O>[];
export function withIsolatedRetry<O>(
  count: number,
  attempt: (isolated: boolean) => Promise<Outcome<O>[]>,
  itemFailure: ItemFailure,
): Promise<Outcome<O>[]>;
export function withIsolatedRetry<O>(
  count: number,
  attempt: (isolated: boolean) => Outcome<O>[] | Promise<Outcome<O>[]>,
  itemFailure: ItemFailure,
): Outcome<O>[] | Promise<Outcome<O>[]> {
  const retry = (err: unknown): Outcome<O>[] | Promise<Outcome<O>[]> => {
    const failed = itemFailure(err);
    if (!failed) throw err;
    return count === 1 ? [{ ok: false, error: failed.error }] : attempt(true);
  };
  let first: Outcome<O>[] | Promise<Outcome<O>[]>;
  try {
    first = attempt(false);
  } catch (err) {
    return retry(err);
  }
  return first instanceof Promise ? first.catch(retry) : first;
}
