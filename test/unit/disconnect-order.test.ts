/**
 * What a disconnect order closes (src/websocket/disconnect-order.ts). A
 * session order names one session: it never matches a socket that has none
 * (a bearer token, a host resolver that gives no session id), whether it came
 * from `parlor.disconnectSession` or from another instance through the broker.
 */
import { describe, expect, it } from 'vitest';
import { asDisconnectOrder, matchesOrder, type DisconnectOrder } from '../../src/websocket/disconnect-order.js';
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
