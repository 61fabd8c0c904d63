/**
 * The Redis wire format (src/broker/channels.ts): an instance recognizes its
 * own echo by the head of the message, unparsed, and never mistakes another
 * instance's envelope for it.
 */
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, wireOriginHead } from '../../src/broker/channels.js';
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
