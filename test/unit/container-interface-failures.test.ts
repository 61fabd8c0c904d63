/**
 * README: interfaces go to `createParlor` "(or register it on the
 * container)"; docs/operations.md: "A host interface that throws is logged as
 * a warning naming it". With the tsyringe wiring (`createParlorContainer`), a
 * throwing groupMemberFetcher or userDirectory was logged at error level as
 * "frame failed" / "background work failed", naming no interface: only
 * createParlor prepared them. Both ways now go through
 * src/composition/host-interfaces.ts.
 */
import { afterEach, expect, it } from 'vitest';
import { Manager, createParlorContainer } from '../../src/index.js';
import { captureLogger } from '../support/server.js';
import { FakeSocket, mockPersister, nextFrame, settle } from '../support/mocks.js';

let manager: Manager | undefined;
afterEach(async () => {
  await manager?.close();
});

it('a throwing groupMemberFetcher registered on the container is logged as a warning naming it', async () => {
  const { logger, lines } = captureLogger('debug');
  const container = createParlorContainer({
    sessionResolver: { resolve: () => null },
    groupMemberFetcher: {
      acceptedMembers: () => {
        throw new Error('groups database down');
      },
    },
    messagePersister: mockPersister(),
    managerOptions: { logger },
  });
  manager = container.resolve(Manager);
  const a = new FakeSocket();
  manager.addConnection(a, { userId: 1, via: 'token' });
  a.receive({ type: 'group', group_id: 7, content: 'hi', client_id: 'c1' });
  expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal', client_id: 'c1' });
  await settle();
  expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  expect(lines.some((l) => l.level === 40 && l.msg === 'groupMemberFetcher failed' && l.interface === 'groupMemberFetcher')).toBe(true);
});

it('a throwing userDirectory registered on the container is logged as a warning naming it', async () => {
  const { logger, lines } = captureLogger('debug');
  const container = createParlorContainer({
    sessionResolver: { resolve: () => null },
    groupMemberFetcher: { acceptedMembers: () => null },
    messagePersister: mockPersister(),
    userDirectory: {
      existing: async () => {
        throw new Error('user service down');
      },
    },
    managerOptions: { logger },
  });
  manager = container.resolve(Manager);
  const a = new FakeSocket();
  manager.addConnection(a, { userId: 1, via: 'token' });
  a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c1' });
  expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal', client_id: 'c1' });
  await settle();
  expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  expect(lines.some((l) => l.level === 40 && l.msg === 'userDirectory failed' && l.interface === 'userDirectory')).toBe(true);
});
