/**
 * The Redis wire format (src/broker/channels.ts): an instance recognizes its
 * own echo by the head of the message, unparsed, and never mistakes another
 * instance's envelope for it.
 */
import { describe, expect, it } from 'vitest';
import { decodeWire, disconnectMessages, encodeWire, envelopeFromWire, invalidationMessages, wireOriginHead } from '../../src/broker/channels.js';
import type { Envelope } from '../../src/websocket/broker.js';

const envelopes: Envelope[] = [
  { type: 'private', raw: '{"type":"private","id":1}', users: [2] },
  { type: 'private', raw: '{"type":"private","id":2}', users: [1, 2], except: 'c-1', delivery: { messageId: 2, senderId: 1, recipientId: 2 } },
  { type: 'broadcast', raw: '{"type":"broadcast"}', all: true },
];

describe('Redis wire envelopes', () => {
  it('every envelope an instance publishes begins with its origin head', () => {
    for (const envelope of envelopes) {
      const wire = encodeWire('instance-a', envelope);
      expect(wire.startsWith(wireOriginHead('instance-a'))).toBe(true);
      expect(decodeWire(wire)?.o).toBe('instance-a');
    }
  });

  it('another instance’s envelope never begins with that head, even when one id extends the other', () => {
    for (const other of ['instance-ab', 'instance', 'INSTANCE-A', 'x']) {
      for (const envelope of envelopes) expect(encodeWire(other, envelope).startsWith(wireOriginHead('instance-a'))).toBe(false);
    }
  });
});

describe('an envelope on the wire', () => {
  it('keeps its latestKey, so a slow client on the receiving instance gets only the latest state (it used to be dropped)', () => {
    const presence: Envelope = { type: 'presence', raw: '{"type":"presence","user_id":3,"online":false}', users: [2], latestKey: 'presence:3' };
    expect(envelopeFromWire(decodeWire(encodeWire('i-1', presence))!, { userId: 2 })).toEqual(presence);
    expect(decodeWire('{"v":1,"o":"i-1","t":"presence","r":"{}","k":7}')).toBeUndefined();
  });
});

describe('control messages (disconnect orders, cache invalidations)', () => {
  it('keep their wire format, round-trip, and refuse another version, another kind or a bad body', () => {
    const order = disconnectMessages.encode('i-1', { userId: 7, via: 'token' });
    expect(order).toBe('{"v":1,"o":"i-1","order":{"userId":7,"via":"token"}}');
    expect(disconnectMessages.decode(order)).toEqual({ origin: 'i-1', body: { userId: 7, via: 'token' } });
    const forget = invalidationMessages.encode('i-2', { groupId: 42 });
    expect(forget).toBe('{"v":1,"o":"i-2","forget":{"groupId":42}}');
    expect(invalidationMessages.decode(forget)).toEqual({ origin: 'i-2', body: { groupId: 42 } });

    expect(disconnectMessages.decode(forget)).toBeUndefined();
    expect(invalidationMessages.decode(order)).toBeUndefined();
    expect(disconnectMessages.decode('{"v":2,"o":"i-1","order":{"userId":7}}')).toBeUndefined();
    expect(invalidationMessages.decode('{"v":1,"o":"i-1","forget":{"userId":-1}}')).toBeUndefined();
    expect(invalidationMessages.decode('{"v":1,"forget":{"userId":1}}')).toBeUndefined();
    expect(disconnectMessages.decode('not json')).toBeUndefined();
  });
});
