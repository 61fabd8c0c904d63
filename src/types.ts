/** A value a store may return directly (better-sqlite3) or as a promise (pg). Callers always await. */
export type Awaitable<T> = T | Promise<T>;

/** A page of rows, newest first. `hasMore` is true only when older rows remain. */
export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

/** Pagination of contract section 2: `limit` (1..100), then `offset` or a `before` id cursor. */
export interface PageQuery {
  limit: number;
  offset?: number;
  before?: number;
}
