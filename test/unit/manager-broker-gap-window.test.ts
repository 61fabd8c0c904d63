/**
 * After a broker gap (Broker.setResubscribedHandler), the Manager closes every socket open then with 1012 within
 * the window the broker names (BrokerGap.resyncWindowMs; DEFAULT_RESYNC_WINDOW_MS when it names none), each at a
 * random moment in it; sockets opened after the gap are left alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RESYNC_WINDOW_MS, type BrokerGap } from '../../src/websocket/broker-gap.js';
import { InProcessBroker } from '../../src/websocket/broker.js';
import { createHarness, type Harness } from '../support/mocks.js';

/** The in-process broker, plus the resubscribed handler the Manager registers, for the test to call. */
class GapBroker extends InProcessBroker {
  gap: (gap?: BrokerGap) => void = () => {};
  setResubscribedHandler(handler: (gap?: BrokerGap) => void): void {
    this.gap = handler;
  }
}

let h: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await h?.stop();
  h = undefined;
});

describe('Manager: sockets closed to resync after a broker gap', () => {
  it('within the window the broker names, not the default one; a socket opened after the gap stays open', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.99); // the latest moment of the window
    const broker = new GapBroker();
    h = createHarness({ broker });
    const [a, b] = [h.connect(1), h.connect(2)];

    broker.gap({ resyncWindowMs: 100 });
    const later = h.connect(3);
    vi.advanceTimersByTime(98);
    expect(a.closeCode).toBeUndefined();
    vi.advanceTimersByTime(2);
    for (const s of [a, b]) expect(s.closeCode).toBe(1012);
    expect(later.closeCode).toBeUndefined();
  });

  it('within DEFAULT_RESYNC_WINDOW_MS when the broker names no window', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const broker = new GapBroker();
    h = createHarness({ broker });
    const a = h.connect(1);

    broker.gap();
    vi.advanceTimersByTime(DEFAULT_RESYNC_WINDOW_MS - 100);
    expect(a.closeCode).toBeUndefined();
    vi.advanceTimersByTime(100);
    expect(a.closeCode).toBe(1012);
  });
});
