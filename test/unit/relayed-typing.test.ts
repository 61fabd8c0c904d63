/**
 * RelayedTyping (src/websocket/typing-tracker.ts): with several instances,
 * an instance that wrote a typist's `is_typing: true` to its own connections
 * sends them the stop itself, typingTimeoutMs plus a grace after the last
 * `true`, unless a stop for that typist came first. Only the typist's
 * instance used to hold that timer, so a typist whose instance died was shown
 * typing for good (test/integration/redis-typing-stop-after-crash.test.ts).
 * One timer per typist and conversation, forgotten on its stop. A stop is
 * written only to the users here shown that typing (a stop another instance
 * of the typist relays to the members as they are now would otherwise reach
 * one who joined since).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../src/websocket/broker.js';
import { encodeFrame, latestStateKey, type ServerFrames } from '../../src/websocket/protocol.js';
import { RELAYED_TYPING_GRACE_MS, RelayedTyping } from '../../src/websocket/typing-tracker.js';

const TIMEOUT = 3000;
const AFTER = TIMEOUT + RELAYED_TYPING_GRACE_MS;

function typing(body: ServerFrames['typing'], users: number[]): Envelope {
  return { type: 'typing', raw: encodeFrame('typing', body), users, latestKey: latestStateKey('typing', body) };
}

describe('RelayedTyping', () => {
  let stops: Envelope[];
  let relayed: RelayedTyping;
  const here = (u: number) => u !== 99; // user 99 holds no connection on this process

  beforeEach(() => {
    vi.useFakeTimers();
    stops = [];
    relayed = new RelayedTyping(TIMEOUT, (stop) => stops.push(stop));
  });
  afterEach(() => {
    relayed.clearAll();
    vi.useRealTimers();
  });

  it('sends the stop to the users here it was shown to, typingTimeoutMs plus the grace after the last true', () => {
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [2]), here);
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [3]), here); // the same true, from another user's channel
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [99]), here);
    vi.advanceTimersByTime(AFTER - 1);
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [2]), here); // a newer true starts the wait again
    vi.advanceTimersByTime(AFTER - 1);
    expect(stops).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stops).toEqual([
      { type: 'typing', raw: '{"type":"typing","from":1,"group_id":10,"is_typing":false}', users: [2, 3], latestKey: 'typing:1:g10' },
    ]);
    expect(relayed.size).toBe(0);
  });

  it('sends nothing once the stop came first, from the typist’s instance or the client', () => {
    relayed.toWrite(typing({ from: 1, to: 2, is_typing: true }, [2]), here);
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [2, 3]), here);
    relayed.toWrite(typing({ from: 1, to: 2, is_typing: false }, [2]), here);
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: false }, [2]), here);
    expect(relayed.size).toBe(1); // user 3 of the group has not had its stop
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: false }, [3]), here);
    expect(relayed.size).toBe(0);
    vi.advanceTimersByTime(2 * AFTER);
    expect(stops).toEqual([]);
  });

  it('writes a stop only to the users here shown that typing and not yet stopped: nobody else hears of it', () => {
    const t = typing({ from: 1, group_id: 10, is_typing: true }, [2, 3]);
    expect(relayed.toWrite(t, here)).toBe(t);
    // A stop relayed by another instance of the typist to the members as they are now: 4 joined since, never shown it.
    expect(relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: false }, [2, 4]), here)).toEqual(
      typing({ from: 1, group_id: 10, is_typing: false }, [2]),
    );
    expect(relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: false }, [4]), here)).toBeNull();
    expect(relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: false }, [2]), here)).toBeNull(); // a second stop
    const last = typing({ from: 1, group_id: 10, is_typing: false }, [3]);
    expect(relayed.toWrite(last, here)).toBe(last);
    expect(relayed.size).toBe(0);
    expect(relayed.toWrite(typing({ from: 5, to: 2, is_typing: false }, [2]), here)).toBeNull(); // a typing never shown here
  });

  it('lets its own stop through when it is written back through toWrite (LocalDelivery), and forgets the typing', () => {
    const passed: Array<Envelope | null> = [];
    relayed = new RelayedTyping(TIMEOUT, (stop) => passed.push(relayed.toWrite(stop, here)));
    relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [2, 3]), here);
    vi.advanceTimersByTime(AFTER);
    expect(passed).toEqual([{ type: 'typing', raw: '{"type":"typing","from":1,"group_id":10,"is_typing":false}', users: [2, 3], latestKey: 'typing:1:g10' }]);
    expect(relayed.size).toBe(0);
  });

  it('keeps one timer per typist and conversation, and nothing for a typing shown to nobody here or not a typing frame', () => {
    for (let i = 0; i < 100; i++) relayed.toWrite(typing({ from: 1, group_id: 10, is_typing: true }, [2]), here);
    relayed.toWrite(typing({ from: 1, to: 2, is_typing: true }, [2]), here);
    relayed.toWrite(typing({ from: 5, to: 99, is_typing: true }, [99]), here);
    relayed.toWrite({ type: 'typing', raw: 'not json', users: [2] }, here);
    expect(relayed.size).toBe(2);
    vi.advanceTimersByTime(AFTER);
    expect(stops.map((s) => s.latestKey)).toEqual(['typing:1:g10', 'typing:1:u2']);
    expect(relayed.size).toBe(0);
  });
});
