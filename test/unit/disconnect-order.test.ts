/**
 * What a disconnect order closes (src/websocket/disconnect-order.ts). A
 * session order names one session: it never matches a socket that has none
 * (a bearer token, a host resolver that gives no session id), whether it came
 * from `parlor.disconnectSession` or from another instance through the broker.
 */
import { describe, expect, it } from 'vitest';
import { applyRename, asDisconnectOrder, matchesOrder, reasonOf, type DisconnectOrder } from '../../src/websocket/disconnect-order.js';
import type { Identity } from '../../src/websocket/session-resolver.js';

const byCookie: Identity = { userId: 1, sessionId: 'sa', via: 'cookie' };
const byToken: Identity = { userId: 1, via: 'token', tokenVersion: 0 };
const byHostHeader: Identity = { userId: 2, via: 'cookie' };

describe('matchesOrder', () => {
  it('a session order matches the sockets of that session only', () => {
    expect([byCookie, byToken, byHostHeader].map((identity) => matchesOrder(identity, { sessionId: 'sa' }))).toEqual([true, false, false]);
  });

  it('an order without a session id matches no socket, not every socket that has none', () => {
    for (const sessionId of [undefined, null, '']) {
      const order = { sessionId } as unknown as DisconnectOrder;
      expect([byCookie, byToken, byHostHeader, { ...byCookie, sessionId: '' }].map((identity) => matchesOrder(identity, order))).toEqual([false, false, false, false]);
    }
  });

  it('an order from another instance without a session id is no order at all', () => {
    expect(asDisconnectOrder({ sessionId: '' })).toBeUndefined();
    expect(asDisconnectOrder({ sessionId: null })).toBeUndefined();
    expect(asDisconnectOrder({ sessionId: 'sa' })).toEqual({ sessionId: 'sa' });
  });
});

describe('a keep order (a password change renamed the session it was made with): it renames, and closes nothing', () => {
  const order: DisconnectOrder = { userId: 1, via: 'cookie', keep: { sessionId: 'sa', renamedTo: 'sa2' } };

  it('matches no socket, not even the user\'s other sessions: those close by their own session orders once deleted', () => {
    const identities: Identity[] = [
      byCookie,
      { ...byCookie, sessionId: 'sa2' },
      { ...byCookie, sessionId: 'sb' },
      { userId: 1, via: 'cookie' },
      byToken,
      { userId: 9, sessionId: 'sb', via: 'cookie' },
    ];
    expect(identities.map((identity) => matchesOrder(identity, order))).toEqual([false, false, false, false, false, false]);
    // It renames the sockets of the old id only, and only the user's.
    const renamed = (identity: Identity) => {
      const copy = { ...identity };
      applyRename(copy, order);
      return copy.sessionId !== identity.sessionId;
    };
    expect(identities.map(renamed)).toEqual([true, false, false, false, false, false]);
    expect(renamed({ userId: 9, sessionId: 'sa', via: 'cookie' })).toBe(false);
    const kept = { ...identities[0]! };
    applyRename(kept, order);
    expect(kept.sessionId).toBe(order.keep.renamedTo);
    expect(reasonOf({ userId: 1, via: 'cookie' })).toBe('logged out');
  });

  it('crosses the broker whole; a kept session without both ids is no order at all', () => {
    expect(asDisconnectOrder(JSON.parse(JSON.stringify(order)))).toEqual(order);
    expect(asDisconnectOrder({ userId: 1, via: 'cookie' })).toEqual({ userId: 1, via: 'cookie' });
    for (const keep of [null, 'sa', { sessionId: 'sa' }, { sessionId: 'sa', renamedTo: '' }, { sessionId: 3, renamedTo: 'sa2' }]) {
      expect(asDisconnectOrder({ userId: 1, via: 'cookie', keep })).toBeUndefined();
    }
    expect(asDisconnectOrder({ userId: 1, via: 'token', keep: order.keep })).toEqual({ userId: 1, via: 'token' });
  });
});
