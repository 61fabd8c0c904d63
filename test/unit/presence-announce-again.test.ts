/**
 * A first-connection or last-connection announcement that failed (the
 * contacts could not be read: the database unreachable) is made again, with
 * the user's state then, every `retryMs` until it gets through; and not once
 * more after that (src/websocket/presence.ts). The broker is a stub: what
 * Redis would answer.
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Broker } from '../../src/websocket/broker.js';
import { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { Presence } from '../../src/websocket/presence.js';

function presenceWith(onlineNow: number[], contactsOf: (id: number) => Promise<readonly number[]>) {
  const broker = {
    publish: vi.fn(),
    setDeliver: vi.fn(),
    close: vi.fn(),
    userOnline: vi.fn(() => true),
    userOffline: vi.fn(() => true),
    onlineAmong: vi.fn((ids: readonly number[]) => ids.filter((id) => onlineNow.includes(id))),
  } satisfies Broker;
  const publish = vi.fn();
  const presence = new Presence(new ConnectionRegistry(), broker, contactsOf, publish, silentLogger, 20);
  return { presence, publish };
}

/** Rejects the first `failures` reads, then answers [8]. */
function contactsFailing(failures: number) {
  let calls = 0;
  return vi.fn(async () => {
    if (++calls <= failures) throw new Error('database unreachable');
    return [8];
  });
}

describe('Presence: an announcement that failed', () => {
  it('an offline whose contacts could not be read is made again once they can, then not again', async () => {
    const contactsOf = contactsFailing(2);
    const { presence, publish } = presenceWith([], contactsOf);
    await expect(presence.wentOffline(7)).rejects.toThrow('database unreachable');
    await vi.waitFor(() => expect(publish).toHaveBeenCalledWith([8], 7, false), { timeout: 2000, interval: 10 });
    const reads = contactsOf.mock.calls.length;
    await vi.waitFor(() => expect(presence['unannounced'].size).toBe(0));
    expect(publish).toHaveBeenCalledTimes(1);
    expect(contactsOf.mock.calls.length).toBe(reads);
    presence.stop();
  });

  it('is made with the state the cluster has then: a user who came back elsewhere meanwhile is announced online', async () => {
    const onlineNow: number[] = [];
    const { presence, publish } = presenceWith(onlineNow, contactsFailing(1));
    await expect(presence.wentOffline(7)).rejects.toThrow();
    onlineNow.push(7); // reconnected to another instance before the database came back
    await vi.waitFor(() => expect(publish).toHaveBeenCalledWith([8], 7, true), { timeout: 2000, interval: 10 });
    expect(publish).not.toHaveBeenCalledWith([8], 7, false);
    presence.stop();
  });
});
