/**
 * An app that calls connect() from its own `connecting` listener starts another attempt inside the first:
 * that one goes on alone (ParlorClient.openSocket). The first must not go on after the listener returns: it
 * would set its own getToken() time limit over the new attempt's, and the new attempt, with a getToken() that
 * never answers, would then stay `connecting` for good.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, flushPromises, startConnecting } from './client-support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ParlorClient: connect() called from a `connecting` listener', () => {
  it('the new attempt keeps its getToken() time limit: past getTokenTimeoutMs it fails and the client backs off', async () => {
    const h = createClient({ getTokenTimeoutMs: 5000, getToken: () => new Promise(() => {}) });
    let again = true;
    h.client.on('connecting', () => {
      if (!again) return;
      again = false;
      startConnecting(h.client);
    });
    startConnecting(h.client);
    await flushPromises();
    vi.advanceTimersByTime(4999);
    expect(h.client.state).toBe('connecting');
    vi.advanceTimersByTime(1);
    expect(h.events.filter(([n]) => n === 'reconnecting').map(([, p]) => p)).toEqual([
      expect.objectContaining({ code: 1006, reason: 'getToken did not answer within 5000 ms' }),
    ]);
    h.client.close();
  });
});
