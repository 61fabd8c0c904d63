/**
 * A message that waited for its turn behind the same connection's earlier message (ArrivalOrder) is checked
 * again after the wait, with no messagePolicy too: the earlier message's checks (here a slow UserDirectory or
 * member lookup) may take their time, and a block or a leave answered meanwhile must be seen.
 * docs/contract.md, "blocking" and "leaving a group".
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsentStore, Relation } from '../../src/websocket/consent-store.js';
import { Manager } from '../../src/websocket/manager.js';
import {
  deferred,
  FakeSocket,
  framesOf,
  mockGroupMemberFetcher,
  mockPersister,
  mockSessionResolver,
  mockUserDirectory,
  nextFrame,
  settle,
  createHarness,
  type Harness,
} from '../support/mocks.js';

const open: Relation = { blocking: false, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false };

let manager: Manager | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await manager?.close();
  await h?.stop();
  manager = h = undefined;
});

describe('Manager, no messagePolicy: a message that waited for its turn is checked again', () => {
  it('private: a block answered while it waited behind an earlier message refuses it; nothing stored, the blocker gets nothing', async () => {
    const relations: Record<string, Partial<Relation>> = {};
    const consent = {
      relation: vi.fn<ConsentStore['relation']>((user, peer) => ({ ...open, ...relations[`${user}>${peer}`] })),
      block: vi.fn<ConsentStore['block']>(() => true),
      unblock: vi.fn<ConsentStore['unblock']>(() => true),
      blockedBy: vi.fn<ConsentStore['blockedBy']>(() => []),
      blockedEitherWay: vi.fn<ConsentStore['blockedEitherWay']>(() => []),
    };
    const directory = mockUserDirectory([1, 2, 3]);
    const slowLookup = deferred<number[]>();
    // The first message's recipient (3) is looked up slowly; the second's (2) at once.
    directory.existing.mockImplementation((asked: readonly number[]) => (asked.includes(3) ? slowLookup.promise : asked.filter((id) => directory.users.has(id))) as never);
    const groups = mockGroupMemberFetcher({}, { 1: [], 2: [], 3: [] });
    const persister = mockPersister({ groups });
    manager = new Manager(mockSessionResolver(), groups, persister, {}, undefined, directory, consent);
    const [alice, bob] = [new FakeSocket(), new FakeSocket()];
    manager.addConnection(alice, { userId: 1, via: 'cookie' });
    manager.addConnection(bob, { userId: 2, via: 'cookie' });

    alice.receive({ type: 'private', to: 3, content: 'first', client_id: 'first' });
    alice.receive({ type: 'private', to: 2, content: 'after the block', client_id: 'second' });
    await settle();
    expect(persister.savePrivate).not.toHaveBeenCalled(); // the second passed its checks and waits for the first

    relations['1>2'] = { blockedBy: true };
    relations['2>1'] = { blocking: true };
    slowLookup.resolve([3]);

    expect(await nextFrame(alice, 'error')).toMatchObject({ code: 'forbidden', client_id: 'second' });
    await settle();
    expect(persister.savePrivate).toHaveBeenCalledTimes(1);
    expect(persister.savePrivate.mock.calls[0]![0]).toMatchObject({ to: 3, content: 'first' });
    expect(framesOf(bob, 'private')).toEqual([]);
  });

  it('group: a member who left while it waited behind an earlier message gets nothing of it', async () => {
    h = createHarness({ groups: { 7: { accepted: [1, 3] }, 8: { accepted: [1, 2] } } });
    const slowLookup = deferred<readonly number[] | null>();
    h.groups.acceptedMembers.mockImplementationOnce(() => slowLookup.promise as never);
    const [alice, bob] = [h.connect(1), h.connect(2)];

    alice.receive({ type: 'group', group_id: 7, content: 'first', client_id: 'first' });
    alice.receive({ type: 'group', group_id: 8, content: 'after the leave', client_id: 'second' });
    await settle();
    expect(h.persister.saveGroup).not.toHaveBeenCalled(); // the second passed its checks and waits for the first

    h.groups.groups.get(8)!.accepted = [1]; // bob left group 8
    slowLookup.resolve([1, 3]);

    await nextFrame(alice, 'ack');
    expect(await nextFrame(alice, 'ack')).toMatchObject({ client_id: 'second' });
    await settle();
    expect(framesOf(bob, 'group')).toEqual([]);
  });
});
