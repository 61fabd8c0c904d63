/**
 * An order from another instance is checked field by field
 * (asDisconnectOrder): a cookie order never carries a token version bound,
 * with or without a kept session. One that does is malformed, and no order at
 * all, rather than read as "end every cookie session of the user".
 */
import { describe, expect, it } from 'vitest';
import { asDisconnectOrder } from '../../src/websocket/disconnect-order.js';

describe('a cookie order with tokensBelow', () => {
  it('is no order at all, kept session or not', () => {
    expect(asDisconnectOrder({ userId: 1, via: 'cookie', tokensBelow: 3 })).toBeUndefined();
    expect(asDisconnectOrder({ userId: 1, via: 'cookie', tokensBelow: 3, keep: { sessionId: 'sa', renamedTo: 'sa2' } })).toBeUndefined();
    expect(asDisconnectOrder({ userId: 1, via: 'cookie' })).toEqual({ userId: 1, via: 'cookie' });
  });
});
