import { applyRename, matchesOrder, type DisconnectOrder } from './disconnect-order.js';
import type { Identity } from './session-resolver.js';

/**
 * One upgrade's watch: `end(identity)` stops it and gives the order heard
 * meanwhile that ends that identity, if any (a sign-in heard meanwhile as
 * another user in its session ends it as a logout of that session). A keep
 * order heard meanwhile for the identity's session (a password change gave it
 * a new id) renames `identity.sessionId` in place, as the Manager renames the
 * sockets it holds, and the orders heard after it are matched against the new id.
 */
export interface UpgradeWatch {
  end(identity?: Identity): DisconnectOrder | undefined;
}

/**
 * Disconnect orders heard while upgrades are still looking up their session
 * (up to `sessionTimeoutMs`). An order closes the sockets already registered;
 * a socket whose lookup was under way when it came would open afterwards and
 * stay open (a ban for good, a logout until the next session re-check). So
 * each upgrade notes where this log stood when its lookup began, and before
 * it becomes a connection asks for an order heard since that matches it.
 *
 * A socket that opens for a session during a lookup counts too: a lookup
 * that began before it and resolved that session as another user read the
 * session before that user signed in on it (logout and login in a session
 * the host kept). The newer sign-in wins: that upgrade is closed as the
 * session's logout, instead of becoming a socket that SessionOwners would
 * take for the newest sign-in (closing the new user's sockets).
 *
 * The log keeps only what is newer than the oldest lookup still under
 * way, and nothing while none is: its size is what arrives during one
 * lookup, whatever the number of upgrades.
 */
export class OrdersDuringUpgrade {
  private readonly heardOrders: Array<{ seq: number; order: DisconnectOrder } | { seq: number; signIn: SignIn }> = [];
  private seq = 0;
  /** Per lookup under way, the seq it began at; insertion order is seq order, so the first is the oldest. */
  private readonly watching = new Map<symbol, number>();

  /** An order was carried out (here or from another instance). */
  heard(order: DisconnectOrder): void {
    this.seq += 1;
    if (this.watching.size > 0) this.heardOrders.push({ seq: this.seq, order });
  }

  /** A socket opened for `sessionId` as `userId` (here): lookups under way that resolve the session as another user are stale. */
  opened(sessionId: string, userId: number): void {
    this.seq += 1;
    if (this.watching.size > 0) this.heardOrders.push({ seq: this.seq, signIn: { sessionId, userId } });
  }

  /** A lookup begins; `end` it on every path (idempotent). */
  watch(): UpgradeWatch {
    const key = Symbol('upgrade');
    const since = this.seq;
    this.watching.set(key, since);
    return {
      end: (identity) => {
        if (!this.watching.delete(key)) return undefined;
        const found = identity && this.endingHeard(identity, since);
        this.forgetOld();
        return found;
      },
    };
  }

  /**
   * In the order heard since `since`: a keep order for the identity's session
   * renames it (the lookup read the session before a password change renamed
   * it; a socket of the old id would be closed by the re-check, and missed by
   * a logout of the new one), and the first order or sign-in that ends it is
   * the answer.
   */
  private endingHeard(identity: Identity, since: number): DisconnectOrder | undefined {
    for (const heard of this.heardOrders) {
      if (heard.seq <= since) continue;
      if ('order' in heard) applyRename(identity, heard.order);
      if (ends(identity, heard)) return 'order' in heard ? heard.order : { sessionId: heard.signIn.sessionId };
    }
    return undefined;
  }

  /** How many orders and sign-ins are kept (for tests). */
  get size(): number {
    return this.heardOrders.length;
  }

  private forgetOld(): void {
    const oldest = this.watching.values().next();
    const keepAfter = oldest.done ? Number.POSITIVE_INFINITY : oldest.value;
    let drop = 0;
    while (drop < this.heardOrders.length && this.heardOrders[drop]!.seq <= keepAfter) drop++;
    this.heardOrders.splice(0, drop);
  }
}

/** A socket opened for a session as a user. */
interface SignIn {
  sessionId: string;
  userId: number;
}

/** Whether what was heard ends an upgrade resolved as `identity`: an order that matches it, or a sign-in as another user in its session. */
function ends(identity: Identity, heard: { order: DisconnectOrder } | { signIn: SignIn }): boolean {
  if ('order' in heard) return matchesOrder(identity, heard.order);
  return identity.sessionId === heard.signIn.sessionId && identity.userId !== heard.signIn.userId;
}
