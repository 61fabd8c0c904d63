/**
 * Presence asks the broker at once (askNow) and awaits the answer in the
 * user's order: a broker whose userOffline rejects while the user's earlier
 * announcement still runs must not leave an unhandled rejection (by default
 * the end of the process) until its turn.
 */
import { expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Broker } from '../../src/websocket/broker.js';
import { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { Presence } from '../../src/websocket/presence.js';

it('a broker answer that rejects while the user is queued is not an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const broker = {
      publish: vi.fn(),
      setDeliver: vi.fn(),
      close: vi.fn(),
      userOnline: vi.fn(async () => true),
      // Not vi.fn: a spy handles the promises it returns (settledResults), which would hide the defect.
      userOffline: async () => {
        throw new Error('redis down');
      },
    } satisfies Broker;
    const contactsOf = vi.fn(async () => {
      await gate;
      return [8];
    });
    const presence = new Presence(new ConnectionRegistry(), broker, contactsOf, vi.fn(), silentLogger);
    const online = presence.cameOnline(7);
    const offline = presence.wentOffline(7).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20)); // the rejection sits while "online" reads the contacts
    release();
    await online;
    await offline;
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
