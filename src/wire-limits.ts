/**
 * Limits of the wire protocol that both ends check: the server's frame
 * schemas (src/websocket/protocol.ts) and the client SDK, which refuses a
 * send the server could not even name in its error. No dependencies, so the
 * SDK's bundle takes it as it is.
 */
export const MAX_CONTENT_CHARS = 4000;
export const MAX_CLIENT_ID_CHARS = 64;

/**
 * Whether `s` is at most `max` characters. A character is a code point, as
 * a user counts it: an emoji is one, though it is two UTF-16 units. Text of
 * at most `max` units is within it without counting.
 */
export function withinCharacters(s: string, max: number): boolean {
  if (s.length <= max) return true;
  let n = 0;
  for (const _ of s) if (++n > max) return false;
  return true;
}
