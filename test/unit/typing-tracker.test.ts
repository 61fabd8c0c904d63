/**
 * TypingTracker (src/websocket/typing-tracker.ts): per typist and
 * conversation, the expiry of a typing and its audience, the users each of
 * its `is_typing: true` frames was sent to. The stop goes to exactly them
 * (docs/contract.md, "`typing` to a user": "A stop ... goes to everyone the
 * typing was shown to ...; nobody it was never shown to hears of it"), and
 * both are forgotten when the stop is sent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingTracker, type TypingKey, type TypingState } from '../../src/websocket/typing-tracker.js';

const TIMEOUT = 30;
const group: TypingKey = { from: 1, group_id: 10 };

describe('TypingTracker', () => {
  let stops: Array<{ key: TypingKey; state: TypingState }>;
  let tracker: TypingTracker;

  beforeEach(() => {
    vi.useFakeTimers();
    stops = [];
    tracker = new TypingTracker(TIMEOUT, (key, state) => stops.push({ key, state }));
  });
  afterEach(() => {
    tracker.clearAll();
    vi.useRealTimers();
  });

  it('expires with the audience of every true of the typing, each user once, timeoutMs after the last true', () => {
    tracker.touch(group, [2, 3]);
    vi.advanceTimersByTime(TIMEOUT - 1);
    tracker.touch(group, [2, 4]); // 3 left and 4 joined in between: both were shown the typing
    vi.advanceTimersByTime(TIMEOUT - 1);
    expect(stops).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stops).toEqual([{ key: group, state: { audience: [2, 3, 4] } }]);
    expect(tracker.size).toBe(0);
  });

  it('keeps the audience it holds when a true is sent to the same users (nothing allocated)', () => {
    const first = [2, 3];
    tracker.touch(group, first);
    tracker.touch(group, [2, 3]);
    tracker.touch(group, [3]); // a block since: sent to fewer, who were all shown it already
    expect(tracker.clear(group)?.audience).toBe(first);
  });

  it('clear answers the audience and forgets the typing: no expiry after it, and undefined when not typing', () => {
    tracker.touch({ from: 1, to: 2 }, [2]);
    tracker.touch(group, [2, 3]);
    expect(tracker.clear({ from: 1, to: 2 })).toEqual({ audience: [2] });
    expect(tracker.clear({ from: 1, to: 2 })).toBeUndefined();
    expect(tracker.size).toBe(1);
    vi.advanceTimersByTime(TIMEOUT);
    expect(stops).toEqual([{ key: group, state: { audience: [2, 3] } }]);
    expect(tracker.clear(group)).toBeUndefined();
  });

  it('starts a new audience for a typing after its stop: those shown the earlier one are not carried over', () => {
    tracker.touch(group, [2, 3]);
    tracker.clear(group);
    tracker.touch(group, [2]);
    vi.advanceTimersByTime(TIMEOUT);
    expect(stops).toEqual([{ key: group, state: { audience: [2] } }]);
  });

  it('holds one typing per typist and conversation', () => {
    tracker.touch({ from: 1, to: 2 }, [2]);
    tracker.touch({ from: 2, to: 1 }, [1]);
    tracker.touch(group, [2]);
    tracker.touch({ from: 1, group_id: 11 }, [3]);
    expect(tracker.size).toBe(4);
    vi.advanceTimersByTime(TIMEOUT);
    expect(stops.map((s) => s.state.audience)).toEqual([[2], [1], [2], [3]]);
    expect(tracker.size).toBe(0);
  });
});
