/**
 * Presence across instances: a user whose last connection here closed, and
 * who reconnected to another instance while this one was still reading the
 * contacts, is not announced offline (the other instance announces online,
 * and a later offline would stand for good). The broker is a stub: what
 * Redis would answer at each step.
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Broker } from '../../src/websocket/broker.js';
import { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { Presence } from '../../src/websocket/presence.js';

function presenceWith(onlineNow: number[]) {
  const broker = {
    publish: vi.fn(),
    setDeliver: vi.fn(),
    close: vi.fn(),
    userOffline: vi.fn(() => true), // the last connection in the cluster, when it closed
    onlineAmong: vi.fn((ids: readonly number[]) => ids.filter((id) => onlineNow.includes(id))),
  } satisfies Broker;
  const publish = vi.fn();
  const presence = new Presence(new ConnectionRegistry(), broker, async () => [8], publish, silentLogger);
  return { presence, publish, broker };
}

describe('Presence: offline after a reconnect elsewhere', () => {
  it('is not announced when the cluster says the user is online again by the time the contacts are read', async () => {
    const { presence, publish } = presenceWith([7]);
    await presence.wentOffline(7);
    expect(publish).not.toHaveBeenCalled();
  });

  it('is announced when the user is still gone', async () => {
    const { presence, publish } = presenceWith([]);
    await presence.wentOffline(7);
    expect(publish).toHaveBeenCalledWith([8], 7, false);
  });
});

/**
 * A presence whose broker records what it is asked (Redis: userOnline subscribes, userOffline unsubscribes), and
 * whose contacts lookup waits until `release()`: an announcement still reading the contacts.
 */
function presenceWithSlowContacts() {
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
  const publish = vi.fn();
  const contactsOf = vi.fn(async () => {
    await gate;
    return [8];
  });
  const presence = new Presence(new ConnectionRegistry(), broker, contactsOf, publish, silentLogger);
  return { presence, calls, publish, release };
}

describe('Presence: the broker is asked in the order of the connections', () => {
  // Redis: userOnline subscribes to the user's channel. Asked behind the offline announcement (it used to be), a
  // socket that reconnected to this instance meanwhile had no subscription until the contacts were read.
  it('a reconnect asks the broker at once, while the offline announcement still reads the contacts; announcements keep their order', async () => {
    const { presence, calls, publish, release } = presenceWithSlowContacts();
    const offline = presence.wentOffline(7);
    const online = presence.cameOnline(7);
    expect(calls).toEqual(['offline', 'online']);
    release();
    await Promise.all([offline, online]);
    expect(publish.mock.calls).toEqual([
      [[8], 7, false],
      [[8], 7, true],
    ]);
  });

  // And the offline is asked at once too: asked in the user's order, behind an "online" still reading the contacts,
  // the UNSUBSCRIBE would go out after the next socket's SUBSCRIBE and leave a connected user with no subscription.
  it('online (contacts slow), offline, online again: the broker hears online, offline, online before any contacts are read', async () => {
    const { presence, calls, release } = presenceWithSlowContacts();
    const runs = [presence.cameOnline(7), presence.wentOffline(7), presence.cameOnline(7)];
    await new Promise((r) => setImmediate(r));
    // The last thing Redis hears must be the SUBSCRIBE of the open socket.
    expect(calls).toEqual(['online', 'offline', 'online']);
    release();
    await Promise.all(runs);
  });
});
