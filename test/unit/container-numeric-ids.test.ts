/**
 * Contract (host-owned groups): "The fetcher's ids may be numbers or numeric
 * strings (`pg` gives bigint columns as strings): Parlor reads them as
 * numbers"; the exported UserDirectory type says the same of `existing`.
 * Registered on the container (`createParlorContainer`), a pg-backed fetcher
 * or directory answering '1', '2' made every member `forbidden` and every
 * recipient `not_found`: the reading lived only in createParlor.
 */
import { afterEach, expect, it } from 'vitest';
import { Manager, createParlorContainer } from '../../src/index.js';
import { FakeSocket, mockPersister, nextFrame } from '../support/mocks.js';

let manager: Manager | undefined;
afterEach(async () => {
  await manager?.close();
});

it('group members given as numeric strings by a container-registered fetcher are members', async () => {
  const container = createParlorContainer({
    sessionResolver: { resolve: () => null },
    // What `SELECT user_id FROM group_members` on a bigint column gives with pg.
    groupMemberFetcher: { acceptedMembers: (g) => (g === 7 ? (['1', '2'] as unknown as number[]) : null) },
    messagePersister: mockPersister(),
  });
  manager = container.resolve(Manager);
  const a = new FakeSocket();
  const b = new FakeSocket();
  manager.addConnection(a, { userId: 1, via: 'token' });
  manager.addConnection(b, { userId: 2, via: 'token' });
  a.receive({ type: 'group', group_id: 7, content: 'hi', client_id: 'c1' });
  expect(await nextFrame(a, 'ack', 500)).toMatchObject({ client_id: 'c1' });
  expect(await nextFrame(b, 'group', 500)).toMatchObject({ group_id: 7, content: 'hi' });
});

it('user ids confirmed as numeric strings by a container-registered directory exist', async () => {
  const container = createParlorContainer({
    sessionResolver: { resolve: () => null },
    groupMemberFetcher: { acceptedMembers: () => null },
    messagePersister: mockPersister(),
    userDirectory: { existing: async (ids) => ids.map(String) as unknown as number[] },
  });
  manager = container.resolve(Manager);
  const a = new FakeSocket();
  manager.addConnection(a, { userId: 1, via: 'token' });
  a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c1' });
  expect(await nextFrame(a, 'ack', 500)).toMatchObject({ client_id: 'c1' });
});
