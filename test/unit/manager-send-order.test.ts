/**
 * One connection's messages are stored, acked and delivered in the order its
 * frames arrived, whatever each one's checks cost (ArrivalOrder): a host's
 * GroupMemberFetcher, messagePolicy or UserDirectory that answers the first
 * message later than the second does not swap them. The checks themselves
 * still run side by side; only the hand-over to the persister waits.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessagePolicy, PolicyResult } from '../../src/websocket/message-policy.js';
import type { SaveGroupInput, Saved } from '../../src/websocket/message-persister.js';
import type { GroupMessage } from '../../src/websocket/protocol.js';
import { createHarness, deferred, type Deferred, framesOf, mockUserDirectory, nextFrame, settle, type FakeSocket, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const GROUP = 7;
const groups = { [GROUP]: { accepted: [1, 2] } };

/** What the persister stored, in the order it was handed it (its ids grow in that order). */
function savedContents(h: Harness): string[] {
  return h.persister.messages.map((m) => m.content);
}

async function acksOf(socket: FakeSocket, n: number): Promise<string[]> {
  const acks: string[] = [];
  for (let i = 0; i < n; i++) acks.push((await nextFrame(socket, 'ack')).client_id!);
  return acks;
}

/** Waits until the socket was written `expected`'s frames of `type`, in that order. */
async function receivedInOrder(socket: FakeSocket, type: 'group' | 'private', expected: string[]): Promise<void> {
  await vi.waitFor(() => expect(framesOf(socket, type).map((f) => f.content)).toEqual(expected));
}

describe('Manager: one connection, its messages in the order they arrived', () => {
  it('group: a member lookup that answers the first message after the second still stores, acks and delivers the first first', async () => {
    h = createHarness({ groups });
    const slowLookup = deferred<readonly number[] | null>();
    h.groups.acceptedMembers.mockImplementationOnce(() => slowLookup.promise as never);
    const [a, b] = [h.connect(1), h.connect(2)];
    a.receive({ type: 'group', group_id: GROUP, content: 'first', client_id: 'first' });
    a.receive({ type: 'group', group_id: GROUP, content: 'second', client_id: 'second' });
    await settle();
    // The second message's lookup answered; it waits for the first, which is not stored yet.
    expect(h.groups.acceptedMembers).toHaveBeenCalledTimes(2);
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
    slowLookup.resolve([1, 2]);
    expect(await acksOf(a, 2)).toEqual(['first', 'second']);
    expect(savedContents(h)).toEqual(['first', 'second']);
    await receivedInOrder(b, 'group', ['first', 'second']);
    const ids = framesOf(b, 'group').map((f) => f.id);
    expect(ids[0]).toBeLessThan(ids[1]!);
  });

  it('a message that waited for its turn is routed before the next one when the store commits both at once (one batch)', async () => {
    h = createHarness({ groups });
    const [lookupOne, lookupThree] = [deferred<readonly number[] | null>(), deferred<readonly number[] | null>()];
    h.groups.acceptedMembers
      .mockImplementationOnce(() => lookupOne.promise as never)
      .mockImplementationOnce(() => [1, 2])
      .mockImplementationOnce(() => lookupThree.promise as never);
    // A store that commits what it was handed together, in the order it was handed it (PostgreSQL's insert queue).
    const batch: Array<{ input: SaveGroupInput; commit: Deferred<Saved<GroupMessage>> }> = [];
    h.persister.saveGroup.mockImplementation((input) => {
      const commit = deferred<Saved<GroupMessage>>();
      batch.push({ input, commit });
      return commit.promise;
    });
    const [a, b] = [h.connect(1), h.connect(2)];
    for (const content of ['one', 'two', 'three']) a.receive({ type: 'group', group_id: GROUP, content, client_id: content });
    await settle();
    lookupOne.resolve([1, 2]); // one hands over, then two, which waited for it
    await settle();
    lookupThree.resolve([1, 2]); // three finds nothing ahead of it
    await settle();
    expect(batch.map((s) => s.input.content)).toEqual(['one', 'two', 'three']);
    batch.forEach(({ input, commit }, i) =>
      commit.resolve({ message: { id: i + 1, from: 1, group_id: GROUP, content: input.content, timestamp: 0 }, duplicate: false }),
    );
    expect(await acksOf(a, 3)).toEqual(['one', 'two', 'three']);
    await receivedInOrder(b, 'group', ['one', 'two', 'three']);
  });

  it('private: a messagePolicy slow on the first message and quick on the next keeps them in order', async () => {
    const slowCheck = deferred<PolicyResult>();
    const check = vi.fn<MessagePolicy['check']>(({ content }) => (content === 'one' ? slowCheck.promise : { allow: true }));
    h = createHarness({ groups, options: { messagePolicy: { check } } });
    const [a, b] = [h.connect(1), h.connect(2)];
    for (const content of ['one', 'two', 'three']) a.receive({ type: 'private', to: 2, content, client_id: content });
    await settle();
    expect(check).toHaveBeenCalledTimes(3);
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    slowCheck.resolve({ allow: true });
    expect(await acksOf(a, 3)).toEqual(['one', 'two', 'three']);
    expect(savedContents(h)).toEqual(['one', 'two', 'three']);
    await receivedInOrder(b, 'private', ['one', 'two', 'three']);
  });

  it('private and group mixed: a UserDirectory slow on the first recipient keeps the group message after it', async () => {
    const directory = mockUserDirectory([2, 3]);
    const slowUser = deferred<number[]>();
    directory.existing.mockImplementationOnce(() => slowUser.promise as never);
    h = createHarness({ groups, directory });
    const a = h.connect(1);
    a.receive({ type: 'private', to: 3, content: 'to three', client_id: 'p' });
    a.receive({ type: 'group', group_id: GROUP, content: 'to the group', client_id: 'g' });
    await settle();
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
    slowUser.resolve([3]);
    expect(await acksOf(a, 2)).toEqual(['p', 'g']);
    expect(savedContents(h)).toEqual(['to three', 'to the group']);
  });

  it('a message refused or failing in its checks gives up its turn: the ones after it are stored, nothing waits for ever', async () => {
    const slowCheck = deferred<PolicyResult>();
    h = createHarness({ groups, options: { messagePolicy: { check: ({ content }) => (content === 'refused' ? slowCheck.promise : { allow: true }) } } });
    const lookupDown = deferred<readonly number[] | null>();
    const a = h.connect(1);
    a.receive({ type: 'private', to: 2, content: 'refused', client_id: 'refused' });
    h.groups.acceptedMembers.mockImplementationOnce(() => lookupDown.promise as never);
    a.receive({ type: 'group', group_id: GROUP, content: 'failed', client_id: 'failed' });
    a.receive({ type: 'group', group_id: GROUP, content: 'stored', client_id: 'stored' });
    await settle();
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
    slowCheck.resolve({ allow: false, reason: 'not now' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden', client_id: 'refused' });
    await settle();
    expect(h.persister.saveGroup).not.toHaveBeenCalled(); // the failing lookup is still ahead of it
    lookupDown.reject(new Error('host groups down'));
    expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: 'stored' });
    await vi.waitFor(() =>
      expect(framesOf(a, 'error').map((e) => [e.client_id, e.code])).toEqual([
        ['refused', 'forbidden'],
        ['failed', 'internal'],
      ]),
    );
    expect(savedContents(h)).toEqual(['stored']);
    // The connection's order is clear: a new message goes straight through.
    a.receive({ type: 'group', group_id: GROUP, content: 'later', client_id: 'later' });
    expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: 'later' });
  });

  it('the order is per connection: a slow message on one socket holds back none of another socket of the same user', async () => {
    h = createHarness({ groups });
    const slowLookup = deferred<readonly number[] | null>();
    h.groups.acceptedMembers.mockImplementationOnce(() => slowLookup.promise as never);
    const [phone, laptop] = [h.connect(1), h.connect(1)];
    phone.receive({ type: 'group', group_id: GROUP, content: 'from the phone', client_id: 'phone' });
    laptop.receive({ type: 'group', group_id: GROUP, content: 'from the laptop', client_id: 'laptop' });
    expect(await nextFrame(laptop, 'ack')).toMatchObject({ client_id: 'laptop' });
    slowLookup.resolve([1, 2]);
    expect(await nextFrame(phone, 'ack')).toMatchObject({ client_id: 'phone' });
    expect(savedContents(h)).toEqual(['from the laptop', 'from the phone']);
  });
});
