/**
 * Exponential backoff with full jitter (the AWS Architecture Blog's "Full
 * Jitter"): the n-th retry waits a uniformly random time in
 * [0, min(maxMs, baseMs * 2^n)). Clients disconnected together by a server
 * restart therefore come back spread out instead of in one wave.
 */

export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay is ever longer than this. */
  maxMs: number;
  /** A number in [0, 1); `Math.random` by default. Tests inject their own. */
  random: () => number;
}

/** The ceiling of retry `attempt` (0 for the first retry). */
export function backoffCeiling(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

/** The delay, in whole milliseconds, before retry `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const r = Math.min(Math.max(options.random(), 0), 1);
  return Math.floor(r * backoffCeiling(attempt, options.baseMs, options.maxMs));
}
