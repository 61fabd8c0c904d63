/**
 * A team's unit test with fake timers: after `await manager.close()` and the
 * peers' closing handshake, no timer is left pending. Connection.close's
 * `closeTimeoutMs` fallback was never cleared once the socket had closed, so
 * running the timers terminated sockets that had closed cleanly.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { Manager } from '../../src/index.js';
import { FakeSocket, mockGroupMemberFetcher, mockPersister, settle } from '../support/mocks.js';

afterEach(() => {
  vi.useRealTimers();
});

it('Manager.close() leaves no timer once every socket finished its closing handshake', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const manager = new Manager({ resolve: () => null }, mockGroupMemberFetcher(), mockPersister(), {});
  const a = new FakeSocket();
  manager.addConnection(a, { userId: 1, via: 'token' });
  await manager.close();
  await settle();
  expect(a.isClosed).toBe(true);
  expect(a.closeCode).toBe(1001);
  expect(vi.getTimerCount()).toBe(0);
  vi.runAllTimers();
  expect(a.terminated).toBe(false);
});
