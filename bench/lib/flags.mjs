// The flags of the single-purpose bench scripts (`--name value`), one home:
// run.mjs and the scale-out bench have their own tables (options.mjs).

/** `--name value` from `argv`, or `fallback` when absent (a string, as given). */
export function flagOf(argv = process.argv.slice(2)) {
  return (name, fallback) => {
    const i = argv.indexOf(name);
    return i < 0 ? fallback : argv[i + 1];
  };
}

/** The same, read as a number. */
export function numberFlagOf(argv = process.argv.slice(2)) {
  const flag = flagOf(argv);
  return (name, fallback) => Number(flag(name, fallback));
}
