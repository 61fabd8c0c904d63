import { describe, expect, it } from 'vitest';
import { OrdersDuringUpgrade } from '../../src/websocket/orders-during-upgrade.js';

const alice = { userId: 1, sessionId: 'sa', via: 'cookie' as const };
const bob = { userId: 2, sessionId: 'sb', via: 'token' as const };

describe('OrdersDuringUpgrade', () => {
  it('gives a lookup the order heard during it that matches, not earlier ones or other users', () => {
    const log = new OrdersDuringUpgrade();
    log.heard({ userId: 1 });
    const a = log.watch();
    const b = log.watch();
    log.heard({ userId: 2, via: 'cookie' }); // bob's cookie sockets only: bob came with a token
    log.heard({ sessionId: 'sa' });
    expect(a.end(alice)).toEqual({ sessionId: 'sa' });
    expect(b.end(bob)).toBeUndefined();
  });

  it('keeps nothing while no lookup is under way, and only what is newer than the oldest one', () => {
    const log = new OrdersDuringUpgrade();
    log.heard({ userId: 1 });
    expect(log.size).toBe(0);
    const first = log.watch();
    log.heard({ userId: 1 });
    const second = log.watch();
    log.heard({ userId: 2 });
    expect(log.size).toBe(2);
    first.end();
    expect(log.size).toBe(1); // only what the second lookup may still need
    expect(second.end(bob)).toEqual({ userId: 2 });
    expect(log.size).toBe(0);
  });

  it('a sign-in heard during a lookup ends it when it resolved that session as another user (the newer sign-in wins)', () => {
    const log = new OrdersDuringUpgrade();
    log.opened('sa', 2); // before the lookups: not theirs
    const stale = log.watch();
    const same = log.watch();
    const other = log.watch();
    log.opened('sa', 2);
    log.opened('sb', 9);
    expect(stale.end(alice)).toEqual({ sessionId: 'sa' }); // alice's lookup read 'sa' before bob signed in on it
    expect(same.end({ ...alice, userId: 2 })).toBeUndefined(); // the new user's own upgrade
    expect(other.end({ userId: 1, via: 'token' })).toBeUndefined(); // no session: a sign-in names none of it
    expect(log.size).toBe(0);
    const later = log.watch();
    expect(later.end(alice)).toBeUndefined(); // began after: alice signed in again since, and wins in turn
  });

  it('end is idempotent: a second end answers nothing and changes nothing', () => {
    const log = new OrdersDuringUpgrade();
    const w = log.watch();
    log.heard({ userId: 1 });
    expect(w.end(alice)).toEqual({ userId: 1 });
    expect(w.end(alice)).toBeUndefined();
    expect(log.size).toBe(0);
  });

  it('a keep order heard during a lookup of the old id renames the identity; orders after it are matched against the new id', () => {
    const log = new OrdersDuringUpgrade();
    const keep = { userId: 1, via: 'cookie' as const, keep: { sessionId: 'sa', renamedTo: 'sa2' } };
    const renamed = log.watch();
    const loggedOutAfter = log.watch();
    const oldIdEndedAfter = log.watch();
    const otherUser = log.watch();
    log.heard(keep);
    const first = { ...alice };
    const second = { ...alice };
    const third = { ...alice };
    const stranger = { userId: 9, sessionId: 'sa', via: 'cookie' as const };
    log.heard({ sessionId: 'sa' }); // the old id deleted, its sockets told to close: no longer this upgrade's id
    expect(renamed.end(first)).toBeUndefined();
    expect(first.sessionId).toBe('sa2');
    log.heard({ sessionId: 'sa2' }); // a logout of the new id
    expect(loggedOutAfter.end(second)).toEqual({ sessionId: 'sa2' });
    expect(oldIdEndedAfter.end({ ...third, sessionId: 'sb' })).toBeUndefined(); // another session of the user: not renamed
    expect(otherUser.end(stranger)).toEqual({ sessionId: 'sa' }); // another user's session of that id is not the kept one
    expect(stranger.sessionId).toBe('sa');
  });

  it('a keep order heard before the lookup began renames nothing (the lookup read the store after it)', () => {
    const log = new OrdersDuringUpgrade();
    const earlier = log.watch(); // keeps the log alive
    log.heard({ userId: 1, via: 'cookie', keep: { sessionId: 'sa', renamedTo: 'sa2' } });
    const later = log.watch();
    const identity = { ...alice };
    expect(later.end(identity)).toBeUndefined();
    expect(identity.sessionId).toBe('sa');
    earlier.end();
  });
});
