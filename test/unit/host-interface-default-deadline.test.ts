/**
 * Mutant (src/interface-failure.ts): `DEFAULT_INTERFACE_TIMEOUT_MS = 5000` -> `50` survived
 * test/unit/interface-deadline.test.ts, test/integration/host-interface-deadlines.test.ts and
 * test/integration/express-resolver-recheck-deadline.test.ts: each sets interfaceTimeoutMs or
 * sessionTimeoutMs itself. The documented default (docs: `interfaceTimeoutMs`, "Default:
 * `sessionTimeoutMs`, else 5000 ms") is what every host that sets neither gets: with 50 ms a host
 * directory answering in 100 ms would be a 503 on every request. Also pinned: `interfaceTimeoutMs`
 * wins over `sessionTimeoutMs` when both are given (src/composition/host-interfaces.ts withHostInterfaces).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ParlorOptions } from '../../src/app.js';
import { withHostInterfaces } from '../../src/composition/host-interfaces.js';
import { InterfaceFailure } from '../../src/interface-failure.js';
import type { UserDirectory } from '../../src/websocket/user-directory.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A fresh host directory whose `existing` never answers (one per test: prepared wrappers are kept per object). */
const hungDirectory = (): UserDirectory => ({ existing: () => new Promise<number[]>(() => {}) });

/** The prepared directory's `existing` call, and how it has ended so far. */
function callExisting(options: Partial<ParlorOptions>) {
  const { userDirectory } = withHostInterfaces({ ...options, userDirectory: hungDirectory() } as ParlorOptions);
  const state: { failure?: unknown } = {};
  void Promise.resolve(userDirectory!.existing([1])).catch((err: unknown) => (state.failure = err));
  return state;
}

describe('the deadline of a call to a host interface', () => {
  it('is 5000 ms when neither interfaceTimeoutMs nor sessionTimeoutMs is given', async () => {
    vi.useFakeTimers();
    const call = callExisting({});
    await vi.advanceTimersByTimeAsync(4999);
    expect(call.failure).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(call.failure).toBeInstanceOf(InterfaceFailure);
    expect((call.failure as Error).message).toMatch(/userDirectory\.existing did not answer within 5000 ms/);
  });

  it('is interfaceTimeoutMs when both it and sessionTimeoutMs are given', async () => {
    vi.useFakeTimers();
    const call = callExisting({ interfaceTimeoutMs: 300, sessionTimeoutMs: 100 });
    await vi.advanceTimersByTimeAsync(299);
    expect(call.failure).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect((call.failure as Error).message).toMatch(/within 300 ms/);
  });
});
