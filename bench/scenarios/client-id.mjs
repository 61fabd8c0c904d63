// The client ids the load sends, for all three servers alike. The same shape
// as Parlor's SDK makes them (src/client/client-id.ts): a UUIDv7, the time in
// milliseconds first, then random bits, so Parlor's idempotency index sees
// time-ordered ids as in production. Made here rather than imported from
// dist/, so the references are measured when Parlor is not built
// (docs/benchmarks.md, "Running it").

import { randomFillSync } from 'node:crypto';

/** Random bytes for this many ids, drawn at once (one getRandomValues call costs about as much whatever its size). */
const POOL_IDS = 64;
const pool = new Uint8Array(16 * POOL_IDS);
let used = pool.length;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** A fresh UUIDv7 (RFC 9562), never repeated. */
export function uuidV7(now = Date.now()) {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, (used += 16));
  let ms = Math.floor(now);
  for (let i = 5; i >= 0; i--, ms = Math.floor(ms / 256)) bytes[i] = ms % 256;
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  let id = '';
  for (let i = 0; i < 16; i++) id += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + HEX[bytes[i]];
  return id;
}
