/**
 * Client ids make sends idempotent: the server stores one message per
 * (sender, client_id), so a send may be repeated after a reconnect.
 *
 * They are UUIDv7 (RFC 9562): the first 48 bits are the time in
 * milliseconds, the rest random. Parlor's unique index on client ids starts
 * with the client id, so ids that start with the time are all written at the
 * index's right edge, a page or two per commit, where random ids (UUIDv4)
 * write one page per message (bench/RESULTS.md, "Issue 19, third pass").
 * Written here rather than taken from a UUID library because the client
 * bundle depends on nothing (test/unit/client-portability.test.ts).
 */

/** The part of Web Crypto the client uses; optional (some environments lack it). */
export interface CryptoLike {
  getRandomValues?: <T extends Uint8Array>(array: T) => T;
}

/**
 * A fresh client id, a UUIDv7: the time from `now()`, the random bits from
 * `crypto.getRandomValues` when present, else `Math.random` as the last resort.
 */
export function generateClientId(crypto: CryptoLike | undefined = globalCrypto(), now: () => number = Date.now): string {
  const bytes = randomBytes(crypto);
  let ms = Math.floor(now());
  for (let i = 5; i >= 0; i--, ms = Math.floor(ms / 256)) bytes[i] = ms % 256;
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  let id = '';
  for (let i = 0; i < 16; i++) id += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + HEX[bytes[i]!];
  return id;
}

/** Random bytes for a few ids, fetched at once: a getRandomValues call costs about 4 µs in Node, whatever its size. */
const POOL_IDS = 64;
let pool = new Uint8Array(0);
let poolUsed = 0;
let poolSource: CryptoLike | undefined;

/** 16 random bytes, each handed out once. */
function randomBytes(crypto: CryptoLike | undefined): Uint8Array {
  if (typeof crypto?.getRandomValues !== 'function') return Uint8Array.from({ length: 16 }, () => Math.floor(Math.random() * 256));
  if (crypto !== poolSource || poolUsed === pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(16 * POOL_IDS));
    poolUsed = 0;
    poolSource = crypto;
  }
  return pool.subarray(poolUsed, (poolUsed += 16));
}

/** Two hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function globalCrypto(): CryptoLike | undefined {
  return (globalThis as { crypto?: CryptoLike }).crypto;
}
