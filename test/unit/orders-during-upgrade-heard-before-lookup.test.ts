import { describe, expect, it } from 'vitest';
import { OrdersDuringUpgrade } from '../../src/websocket/orders-during-upgrade.js';

/**
 * An order or a sign-in heard before a lookup began is not that lookup's, even while an older lookup still under
 * way keeps it in the log: the later lookup read the session after it (a new sign-in after a "log out everywhere"
 * must open).
 */
const alice = { userId: 1, sessionId: 'sa', via: 'cookie' as const };

describe('OrdersDuringUpgrade: what was heard before a lookup began', () => {
  it('an order kept for an older lookup does not end a lookup that began after it', () => {
    const log = new OrdersDuringUpgrade();
    const older = log.watch();
    log.heard({ userId: 1 });
    const later = log.watch();
    expect(later.end(alice)).toBeUndefined();
    expect(older.end(alice)).toEqual({ userId: 1 });
  });

  it('a sign-in kept for an older lookup does not end a lookup that began after it', () => {
    const log = new OrdersDuringUpgrade();
    const older = log.watch();
    log.opened('sa', 2);
    const later = log.watch();
    expect(later.end(alice)).toBeUndefined();
    expect(older.end(alice)).toEqual({ sessionId: 'sa' });
  });

  it('keeps no sign-in heard while no lookup is under way (none could be ended by it)', () => {
    const log = new OrdersDuringUpgrade();
    log.opened('sa', 2);
    log.opened('sb', 3);
    expect(log.size).toBe(0);
    expect(log.watch().end(alice)).toBeUndefined();
  });
});
