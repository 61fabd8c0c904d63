/**
 * Rule (docs/operations.md, "Limits that protect the server"): everything a
 * stranger can send is bounded in size, rate and cost. The request log
 * redacts the URL of every request Parlor's router answers, signed in or not,
 * so redaction must cost the same for any query of a given length.
 *
 * What used to happen: redactUrl tested each query pair with the unanchored
 * /eyJ[\w-]*\./. On a pair of "eyJ" repeated (no dot, no '&') every "eyJ"
 * started an attempt that scanned to the end of the pair and failed: O(n^2),
 * 150-265 ms of main thread for one 15 KB unauthenticated GET (a 401).
 *
 * The cost check compares a crafted query with a plain one of the same length
 * in the same run (best of several, a wide ratio and a floor), so it does not
 * depend on the machine's speed: without the fix the crafted one is thousands
 * of times slower. The behaviour check compares the one-pass scan with the old
 * regex on many short random query texts (where the regex is cheap); the rest
 * of redactUrl did not change.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { looksLikeJwt, redactUrl } from '../../src/http/log-redaction.js';

/** The fastest of `times` runs of redactUrl(url), in ms. */
function fastest(url: string, times = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    redactUrl(url);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('redactUrl cost', () => {
  it('costs about the same for a query of repeated "eyJ" as for a plain query of the same length', () => {
    const length = 15_000; // within Node's 16 KB request line
    const plain = `/api/conversations?q=${'a'.repeat(length)}`;
    const crafted = `/api/conversations?q=${'eyJ'.repeat(length / 3)}`;
    fastest(plain); // warm up both paths
    fastest(crafted);
    const benign = fastest(plain);
    const costly = fastest(crafted);
    expect(costly, `plain ${benign.toFixed(3)} ms, crafted ${costly.toFixed(3)} ms`).toBeLessThan(Math.max(5, benign * 20));
  });
});

describe('redactUrl behaviour', () => {
  it('finds a JWT exactly where the /eyJ[\\w-]*\\./ test found one', () => {
    const next = random(0x5eed);
    const pieces = ['e', 'y', 'J', 'eyJ', '.', '-', '_', 'a', '0', '=', '&', '%', '+', ' ', 'é', 'token', 'eyJh.'];
    for (let i = 0; i < 10_000; i++) {
      let query = '';
      const parts = 1 + Math.floor(next() * 12);
      for (let j = 0; j < parts; j++) query += pieces[Math.floor(next() * pieces.length)];
      expect(looksLikeJwt(query), query).toBe(/eyJ[\w-]*\./.test(query));
    }
  });
});
