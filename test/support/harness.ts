/**
 * A Manager wired to the mocks of `mock-interfaces.ts` and fed FakeSockets.
 * Re-exported by `mocks.ts`.
 */
import { Manager } from '../../src/websocket/manager.js';
import type { ManagerOptions } from '../../src/websocket/options.js';
import type { Broker } from '../../src/websocket/broker.js';
import type { Identity, SessionResolver } from '../../src/websocket/session-resolver.js';
import type { UserDirectory } from '../../src/websocket/user-directory.js';
import { FakeSocket, type FakeSocketOptions } from './fake-socket.js';
import { mockGroupMemberFetcher, mockPersister, mockSessionResolver, type GroupSpec } from './mock-interfaces.js';

export interface HarnessOptions {
  groups?: Record<number, GroupSpec>;
  contacts?: Record<number, number[]>;
  knownUsers?: number[];
  /** The UserDirectory the Manager asks; none: every id is taken as it is. */
  directory?: UserDirectory;
  options?: Partial<ManagerOptions>;
  /** Default: `mockSessionResolver()` (no `stillValid`). */
  sessionResolver?: SessionResolver;
  /** Default: the in-process broker. */
  broker?: Broker;
}

/**
 * A Manager built with plain `new` over the mocks, plus `connect(userId)`
 * which hands it a fresh FakeSocket. Call `stop()` in afterEach.
 */
export function createHarness(h: HarnessOptions = {}) {
  const resolver = h.sessionResolver ?? mockSessionResolver();
  const groups = mockGroupMemberFetcher(h.groups, h.contacts);
  const persister = mockPersister({ groups, knownUsers: h.knownUsers, now: h.options?.now });
  const manager = new Manager(resolver, groups, persister, h.options ?? {}, h.broker, h.directory);
  const sockets: FakeSocket[] = [];

  const connect = (userId: number, extra: Partial<Identity> & FakeSocketOptions = {}): FakeSocket => {
    const { autoPong, autoCloseHandshake, growBuffer, ...identity } = extra;
    const socket = new FakeSocket({ autoPong, autoCloseHandshake, growBuffer });
    sockets.push(socket);
    manager.addConnection(socket, { userId, via: 'cookie', ...identity });
    return socket;
  };

  const stop = async (): Promise<void> => {
    await manager.close();
    for (const s of sockets) s.peerClose(1001);
  };

  return { manager, resolver, groups, persister, connect, sockets, stop };
}
export type Harness = ReturnType<typeof createHarness>;
