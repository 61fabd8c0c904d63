import { describe, expect, it } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { UnconfirmedSends } from '../../src/websocket/unconfirmed-sends.js';

const fresh = { message: {}, duplicate: false };
const duplicate = { message: {}, duplicate: true };

describe('UnconfirmedSends', () => {
  it('routes the first duplicate of a send whose write failed without an answer, and only the first', () => {
    const sends = new UnconfirmedSends();
    const lost = new Error('Connection terminated unexpectedly');
    expect(sends.failed(1, 'c1', lost)).toBe(lost);
    expect(sends.isNew(duplicate, 1, 'c1')).toBe(true); // it was stored: the resend finds it, and routes it
    expect(sends.isNew(duplicate, 1, 'c1')).toBe(false); // a second resend is an ordinary duplicate
  });

  it('forgets the send when the resend stores it anew (it was not stored after all): no second routing later', () => {
    const sends = new UnconfirmedSends();
    sends.failed(1, 'c1', new Error('query timeout'));
    expect(sends.isNew(fresh, 1, 'c1')).toBe(true);
    expect(sends.isNew(duplicate, 1, 'c1')).toBe(false);
  });

  it('keeps no refusal, no send without a client_id, and tells senders and ids apart', () => {
    const sends = new UnconfirmedSends();
    sends.failed(1, 'c1', new ParlorError('forbidden', 'blocked'));
    sends.failed(1, undefined, new Error('lost'));
    expect(sends.isNew(duplicate, 1, 'c1')).toBe(false);
    sends.failed(2, 'c1', new Error('lost'));
    expect(sends.isNew(duplicate, 1, 'c1')).toBe(false);
    expect(sends.isNew(duplicate, 2, 'c2')).toBe(false);
    expect(sends.isNew(duplicate, 2, 'c1')).toBe(true);
  });
});
