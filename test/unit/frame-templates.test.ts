import { describe, expect, it } from 'vitest';
import { encodeAck, encodeDelivered, encodeFrame, encodePrivate } from '../../src/websocket/protocol.js';

// The templates must be byte for byte what encodeFrame writes for the same frame.
const CONTENTS = ['hello', 'a "quoted" \\ backslash', 'line\nbreak\ttab', 'é 中文 😀', '\u2028\u2029', '</script>', '\u0000\u001f', ''];

describe('frame templates', () => {
  it('a private message is the JSON encodeFrame gives, whatever its content', () => {
    for (const content of CONTENTS) {
      const m = { id: 9_007_199_254_740_991, from: 1, to: 2, content, timestamp: 1_796_393_155_662 };
      expect(encodePrivate(m)).toBe(encodeFrame('private', m));
      expect(JSON.parse(encodePrivate(m))).toEqual({ type: 'private', ...m });
    }
  });

  it('a private message with status or replayed keeps those fields', () => {
    const m = { id: 3, from: 1, to: 2, content: 'x', timestamp: 5 };
    expect(JSON.parse(encodePrivate({ ...m, replayed: true }))).toEqual({ type: 'private', ...m, replayed: true });
    expect(JSON.parse(encodePrivate({ ...m, status: 'read' }))).toEqual({ type: 'private', ...m, status: 'read' });
  });

  it('an ack is the JSON encodeFrame gives, with or without a client_id', () => {
    for (const clientId of [null, 'c-1', 'a "quoted" id', 'é😀']) {
      expect(encodeAck(clientId, 42, 1_796_393_155_662)).toBe(encodeFrame('ack', { client_id: clientId, id: 42, timestamp: 1_796_393_155_662 }));
    }
  });

  it('a delivered receipt is the JSON encodeFrame gives', () => {
    const body = { message_id: 42, status: 'delivered' as const, user_id: 7, timestamp: 1_796_393_155_662 };
    expect(encodeDelivered(42, 7, 1_796_393_155_662)).toBe(encodeFrame('receipt', body));
  });
});
