/**
 * The order in which one connection's messages reach the store: the order
 * their frames arrived in (docs/protocol.md, "Order", under `group`). Each
 * message takes a turn when its frame arrives, then runs its admission steps
 * (the recipient or the group's members looked up, consent, the host's
 * messagePolicy), which may answer in any order, concurrently with the other
 * messages' steps. Only the hand-over to the store waits: a message hands
 * over once every message that arrived before it has handed over or given up
 * its turn (refused, or failed). The store keeps the order it is handed (one
 * insert queue, one write worker), so ids, acks and deliveries follow it.
 *
 * In two steps, `ready` then `handOver`, so that the caller awaits the
 * store's own promise whether it waited for its turn or not: a wrapper
 * around it would settle a few microtasks after the store's, and a message
 * that had waited would be routed after the next one, stored after it.
 *
 *   const waiting = order.ready(turn);
 *   if (waiting) await waiting;
 *   saved = await order.handOver(turn, () => store.save(input));
 *
 * Every turn taken must end in exactly one `handOver` or `release`, or the
 * turns after it wait for good (the Manager's send path: release on any
 * failure before the hand-over, hand over otherwise, right after `ready`).
 *
 * The cost of a message with nothing earlier pending (the usual case): a
 * counter, two comparisons, its `save` called at once; no promise, no
 * allocation beyond the caller's closure. A connection holds two numbers,
 * and a map only while a message waits; such a message costs one promise
 * and one map entry until its turn comes.
 */
export type Turn = number;

/** What the send path asks of an order; ArrivalOrder for a connection, NO_ORDER for a send that has none. */
export interface SendOrder {
  take(): Turn;
  ready(turn: Turn): Promise<void> | undefined;
  handOver<T>(turn: Turn, save: () => T): T;
  release(turn: Turn): void;
}

/** A send that belongs to no sequence of its own (an HTTP request, host code): handed over as soon as it is admitted. */
export const NO_ORDER: SendOrder = {
  take: () => 0,
  ready: () => undefined,
  handOver: (_turn, save) => save(),
  release: () => {},
};

export class ArrivalOrder implements SendOrder {
  /** The turn the next message takes. */
  private issued = 0;
  /** The oldest turn not handed over or released yet: every turn below it is done. */
  private current = 0;
  /** Later turns already admitted (the resolver that wakes them) or released (null); null while there are none (most connections, most of the time). */
  private early: Map<Turn, (() => void) | null> | null = null;

  /** Takes the next turn; call it when the message arrives, before anything asynchronous. */
  take(): Turn {
    return this.issued++;
  }

  /**
   * Undefined when `turn` may hand over now (every earlier turn is done),
   * else a promise that resolves when it may. Call `handOver` right after.
   */
  ready(turn: Turn): Promise<void> | undefined {
    if (turn === this.current) return undefined;
    return new Promise<void>((resolve) => (this.early ??= new Map()).set(turn, resolve));
  }

  /**
   * Calls `save` (the hand-over to the store) and returns what it returned;
   * the next turn may hand over from then on, not once that settles. Only
   * when `ready` said so.
   */
  handOver<T>(turn: Turn, save: () => T): T {
    if (turn !== this.current) throw new Error(`turn ${turn} handed over before turn ${this.current}`);
    this.current++;
    try {
      return save();
    } finally {
      if (this.early) this.wakeNext(this.early);
    }
  }

  /** Gives up a turn whose message will not be handed over (refused, or its admission failed). */
  release(turn: Turn): void {
    if (turn !== this.current) {
      (this.early ??= new Map()).set(turn, null);
      return;
    }
    this.current++;
    if (this.early) this.wakeNext(this.early);
  }

  /** Turns taken and not done yet (for tests: 0 once every message handed over or released). */
  get pending(): number {
    return this.issued - this.current;
  }

  /** Skips the released turns now due, and wakes the first admitted one (it hands over, which wakes the next). */
  private wakeNext(early: Map<Turn, (() => void) | null>): void {
    for (let next = early.get(this.current); next !== undefined; next = early.get(this.current)) {
      early.delete(this.current);
      if (early.size === 0) this.early = null;
      if (next) return next();
      this.current++;
    }
  }
}
