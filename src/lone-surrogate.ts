/**
 * Text with an unpaired UTF-16 surrogate has no UTF-8 form: a store keeps
 * U+FFFD in its place (Node encodes such text to UTF-8 that way).
 * The frame schemas refuse such text (what is acked is what is stored), and
 * the SQLite store reads back what it stored for it. No dependencies, so the
 * write worker loads it without the protocol's schemas.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `s` holds an unpaired UTF-16 surrogate. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}
