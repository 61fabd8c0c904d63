/**
 * What differs between Parlor's SQLite and PostgreSQL SQL, for the statements
 * written once in src/store/domain/ and run by both backends.
 *
 * Statements are written with named parameters (`@user`): SQLite binds them
 * as they are, and the PostgreSQL store turns them into `$1, $2, ...` once,
 * when its module loads (src/store/postgres/named-params.ts). Everything else
 * a shared statement needs that the two dialects spell differently is here,
 * and only that: the rest of the SQL is the same text in both.
 */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * The stored clock. SQLite binds `@now`: the writer's clock, read on the
   * main thread and passed in (tests inject one). PostgreSQL reads the
   * server's clock, so that every instance stamps by one clock.
   */
  readonly now: string;
  /** The messages of the private conversation of `user` (a parameter) and `peer` (a column or a parameter): its pair index condition. */
  pairOf(user: string, peer: string): string;
  /** A one-column row source of the ids in a list parameter (SQLite: a JSON array text; PostgreSQL: a bigint array). */
  idsIn(param: string): string;
  /**
   * Ends a `SELECT ... ORDER BY id` whose rows a statement is about to update,
   * so that they are locked in that order: PostgreSQL's `FOR UPDATE`, so that
   * two statements updating shared rows wait for each other in one direction
   * only, never in a deadlock. Nothing on SQLite, whose one writer takes no
   * row locks.
   */
  readonly lockInOrder: string;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  now: '@now',
  pairOf: (user, peer) => `pair_lo = min(${user}, ${peer}) AND pair_hi = max(${user}, ${peer})`,
  idsIn: (param) => `SELECT value FROM json_each(${param})`,
  lockInOrder: '',
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  now: 'parlor_now_ms()',
  // The cast: least()/greatest() of a parameter and a bigint column needs the parameter's type.
  pairOf: (user, peer) => `pair_lo = least(${user}::bigint, ${peer}) AND pair_hi = greatest(${user}::bigint, ${peer})`,
  idsIn: (param) => `SELECT unnest(${param}::bigint[])`,
  lockInOrder: 'FOR UPDATE',
};
