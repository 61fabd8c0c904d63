/**
 * A statement prepared on first use rather than when the store opens: a store
 * opened over an older schema (a test of one migration, with a folder holding
 * only the migrations before it) does not fail on a table a later migration adds.
 */
export function lazyStatement<T>(prepare: () => T): () => T {
  let statement: T | undefined;
  return () => (statement ??= prepare());
}
