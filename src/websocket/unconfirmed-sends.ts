import { isClientMistake } from '../errors.js';
import { LruMap } from '../store/lru-map.js';
import type { Saved } from './message-persister.js';

/** Sends remembered at most, the oldest forgotten first: a resend comes within seconds to minutes. */
const REMEMBERED = 10_000;

/**
 * Sends whose store write failed without saying whether it was stored (a
 * PostgreSQL connection lost or timed out after COMMIT: the row is there,
 * the answer is not). The client resends with the same client_id, the store
 * answers `duplicate`, and without this the message would be acked but never
 * routed or announced: the recipients would get it only at their next sync.
 * The first such resend is routed as new; one instance's memory (a resend
 * through another instance is acked and not routed live).
 */
export class UnconfirmedSends {
  private readonly sends = new LruMap<string, true>(REMEMBERED);

  /** Remembers a send whose write failed with anything but a refusal; returns the error to rethrow. */
  failed(from: number, clientId: string | undefined, err: unknown): unknown {
    if (clientId !== undefined && !isClientMistake(err)) this.sends.set(keyOf(from, clientId), true);
    return err;
  }

  /**
   * Whether `saved` is to be routed and announced: a new message, or the
   * first duplicate of a send whose write was never confirmed. Free while
   * nothing failed (one size check).
   */
  isNew(saved: Saved<unknown>, from: number, clientId: string | undefined): boolean {
    if (this.sends.size === 0 || clientId === undefined) return !saved.duplicate;
    // Forgotten either way: once stored and answered, a later resend is an ordinary duplicate.
    const key = keyOf(from, clientId);
    const unconfirmed = this.sends.peek(key) !== undefined;
    if (unconfirmed) this.sends.delete(key);
    return unconfirmed || !saved.duplicate;
  }
}

function keyOf(from: number, clientId: string): string {
  return `${from}:${clientId}`;
}
