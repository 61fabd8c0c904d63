/**
 * The broker hears of a user's sockets in their order, not behind the
 * announcements: the "online" announcement is still reading contacts when
 * the socket closes and a new one opens; asked in the user's order, the
 * UNSUBSCRIBE would go out after the new SUBSCRIBE and leave a connected
 * user with no subscription.
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Broker } from '../../src/websocket/broker.js';
import { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { Presence } from '../../src/websocket/presence.js';

describe('Presence: wentOffline asks the broker at once', () => {
  it('online (contacts slow), offline, online again: the broker hears online, offline, online before any contacts are read', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[] = [];
    const broker = {
      publish: vi.fn(),
      setDeliver: vi.fn(),
      close: vi.fn(),
      userOnline: vi.fn(() => (calls.push('online'), true)),
      userOffline: vi.fn(() => (calls.push('offline'), true)),
    } satisfies Broker;
    const contactsOf = vi.fn(async () => {
      await gate;
      return [8];
    });
    const presence = new Presence(new ConnectionRegistry(), broker, contactsOf, vi.fn(), silentLogger);
    const runs = [presence.cameOnline(7), presence.wentOffline(7), presence.cameOnline(7)];
    await new Promise((r) => setImmediate(r));
    // The last thing Redis hears must be the SUBSCRIBE of the open socket.
    expect(calls).toEqual(['online', 'offline', 'online']);
    release();
    await Promise.all(runs);
  });
});
