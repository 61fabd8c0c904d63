/**
 * Limits of the wire protocol that both ends check: the server's frame
 * schemas (src/websocket/protocol.ts) and HTTP routes, and the client SDK,
 * which refuses a send the server could not even name in its error. No
 * dependencies, so the SDK's bundle takes it as it is.
 */
export const MAX_CONTENT_CHARS = 4000;
export const MAX_CLIENT_ID_CHARS = 64;
/**
 * Parlor's own accounts (`POST /api/auth/register`, `/login`,
 * `/password`): a username's length and characters, a password's length in
 * characters (code points, as a person counts them: an emoji is one; see
 * withinCharacters and atLeastCharacters). The demo page's form takes them
 * from here. At most 1024 code points is at most 4 KiB of UTF-8, the form
 * scrypt hashes (after NFKC, which may lengthen it 18-fold at worst): a
 * bounded input whose cost is nothing beside the hash's own.
 */
export const USERNAME_LENGTH = { min: 3, max: 32 } as const;
export const USERNAME_CHARACTERS = /^[A-Za-z0-9_.-]+$/;
export const PASSWORD_LENGTH = { min: 8, max: 1024 } as const;
/** Ids per `GET /api/users?ids=` at most (src/http/user-routes.ts); the SDK's ProfileCache asks in batches of it. */
export const MAX_PROFILE_IDS_PER_REQUEST = 100;

/**
 * The most bytes one character (a code point) of text takes in a JSON frame:
 * one outside the BMP (an emoji) written as an escaped surrogate pair,
 * `\ud83d\ude00`, as ASCII-only encoders (Python's `json.dumps`, PHP's
 * `json_encode`) write it by default.
 */
const MAX_JSON_BYTES_PER_CHAR = 12;
/** Room for the rest of a message frame: its field names, punctuation and ids (`{"type":"private","to":…`). */
const MESSAGE_FRAME_OVERHEAD_BYTES = 256;

/**
 * The least MAX_FRAME_BYTES (the server's `maxFrameBytes`) can be: the largest
 * message frame a valid send makes (MAX_CONTENT_CHARS of content and
 * MAX_CLIENT_ID_CHARS of client_id, every character at its worst as JSON) and
 * its overhead, 49,024 bytes. Under it, a message the contract calls valid
 * would close the socket with 1009, which stops the SDK for good.
 */
export const MIN_FRAME_BYTES = (MAX_CONTENT_CHARS + MAX_CLIENT_ID_CHARS) * MAX_JSON_BYTES_PER_CHAR + MESSAGE_FRAME_OVERHEAD_BYTES;

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

/**
 * Whether `s` is at least `min` characters (code points, as withinCharacters
 * counts them). Text of fewer than `min` UTF-16 units is short of it without
 * counting, and the count stops at `min`.
 */
export function atLeastCharacters(s: string, min: number): boolean {
  if (s.length < min) return false;
  let n = 0;
  for (const _ of s) if (++n >= min) return true;
  return n >= min;
}
