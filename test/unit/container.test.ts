import { describe, expect, it, vi } from 'vitest';
import { createParlorContainer } from '../../src/container.js';
import { Manager } from '../../src/websocket/manager.js';
import { GROUP_MEMBER_FETCHER, MESSAGE_PERSISTER, SESSION_RESOLVER } from '../../src/tokens.js';
import type { MessagePersister } from '../../src/websocket/message-persister.js';

const persister = (): MessagePersister => ({
  savePrivate: vi.fn(),
  saveGroup: vi.fn(),
  saveNotification: vi.fn(),
  privateHistory: vi.fn(),
  groupHistory: vi.fn(() => ({ items: [], hasMore: false })),
});

describe('createParlorContainer', () => {
  it('injects the registered interfaces into the Manager by token', async () => {
    const bindings = {
      sessionResolver: { resolve: vi.fn(() => null) },
      groupMemberFetcher: { acceptedMembers: vi.fn(() => [7]) },
      messagePersister: persister(),
      managerOptions: { rateLimit: 7 },
    };
    const c = createParlorContainer(bindings);
    const manager = c.resolve(Manager);
    // The session resolver and the fetcher are the host's, prepared as createParlor prepares them
    // (src/composition/host-interfaces.ts): the Manager's calls reach them.
    await manager.sessions.resolve({} as never);
    expect(bindings.sessionResolver.resolve).toHaveBeenCalledTimes(1);
    expect(await manager.groups.acceptedMembers(3)).toEqual([7]);
    expect(bindings.groupMemberFetcher.acceptedMembers).toHaveBeenCalledWith(3);
    // So is the persister, its ids read as numbers (host-message-ids.ts): a wrapper whose calls reach it.
    await manager.messages.groupHistory(3, { limit: 1 });
    expect(bindings.messagePersister.groupHistory).toHaveBeenCalledWith(3, { limit: 1 });
    expect(manager.options.rateLimit).toBe(7);
    expect(c.resolve(Manager)).toBe(manager);
    await manager.close();
  });

  it('gives each mount its own Manager and lets a host override one interface', async () => {
    const base = {
      sessionResolver: { resolve: () => null },
      groupMemberFetcher: { acceptedMembers: () => null },
      messagePersister: persister(),
    };
    const a = createParlorContainer(base);
    const b = createParlorContainer(base);
    const override = { resolve: () => ({ userId: 1, via: 'token' as const }) };
    b.register(SESSION_RESOLVER, { useValue: override });
    const ma = a.resolve(Manager);
    const mb = b.resolve(Manager);
    expect(ma).not.toBe(mb);
    expect(mb.sessions).toBe(override);
    expect(await a.resolve<{ acceptedMembers(id: number): unknown }>(GROUP_MEMBER_FETCHER).acceptedMembers(1)).toBeNull();
    await b.resolve<MessagePersister>(MESSAGE_PERSISTER).groupHistory(1, { limit: 1 });
    expect(base.messagePersister.groupHistory).toHaveBeenCalledWith(1, { limit: 1 });
    await Promise.all([ma.close(), mb.close()]);
  });

  it('rejects options that cannot work at construction', () => {
    expect(
      () => new Manager({ resolve: () => null }, { acceptedMembers: () => null }, persister(), { rateLimit: 0 }),
    ).toThrow(/rateLimit must be a positive number/);
  });
});
