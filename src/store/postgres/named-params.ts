/**
 * The shared statements of src/store/domain/ name their parameters (`@user`);
 * node-postgres wants `$1, $2, ...` and an array. `positional` rewrites a
 * statement once (when a store module loads) and keeps the order, so a call
 * binds its named values with `values()`: no per-call parsing.
 */
export interface PositionalStatement<P extends object> {
  /** The statement with `$n` for each distinct name, in order of first use. */
  readonly text: string;
  /** The values in `$n` order; throws on a missing one (pg would bind it as NULL). */
  values(params: P): unknown[];
}

const NAMED = /@([A-Za-z_][A-Za-z0-9_]*)/g;

export function positional<P extends object>(sql: string): PositionalStatement<P> {
  const names: string[] = [];
  const text = sql.replace(NAMED, (_, name: string) => {
    let n = names.indexOf(name);
    if (n < 0) n = names.push(name) - 1;
    return `$${n + 1}`;
  });
  return {
    text,
    values(params) {
      const given = params as Record<string, unknown>;
      return names.map((name) => {
        const value = given[name];
        if (value === undefined) throw new TypeError(`the statement's parameter @${name} has no value`);
        return value;
      });
    },
  };
}
