/**
 * Presence against changes of contacts that run at the same time as it
 * (contract section 6: once A blocks B, no presence passes between them).
 * Each test holds one read of contacts (or one change) open, lets the other
 * side run, then lets the held one finish: the order that used to leave a
 * blocked user, or a former group mate, seeing the other online for good.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { InProcessBroker } from '../../src/websocket/broker.js';
import { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { Presence } from '../../src/websocket/presence.js';
import { createHarness, framesOf, settle, type FakeSocket, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** A promise the test resolves when it chooses. */
function held<T>() {
  let release!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (release = resolve));
  return { promise, release };
}

/** The last `online` the socket heard about `userId` (undefined: none). */
function lastPresenceOf(socket: FakeSocket, userId: number): boolean | undefined {
  return framesOf(socket, 'presence')
    .filter((f) => f.user_id === userId)
    .at(-1)?.online;
}

/** The contacts mock answers `answer` once, when the test releases it, for `userId` only; the others as before. */
function holdContactsReadOf(harness: Harness, userId: number, answer: number[]) {
  const read = held<number[]>();
  const usual = harness.groups.contactsOf.getMockImplementation()!;
  harness.groups.contactsOf.mockImplementation((id: number) => {
    if (id !== userId) return usual(id);
    harness.groups.contactsOf.mockImplementation(usual);
    return read.promise as unknown as readonly number[];
  });
  return () => read.release(answer);
}

describe('Presence: a block against a "came online" under way', () => {
  it('the blocked user coming online as the block is made is not left online for the blocker', async () => {
    const contacts: Record<number, number[]> = { 1: [2], 2: [1] };
    h = createHarness({ contacts });
    const a = h.connect(1);
    await settle();
    // B's "came online" reads its contacts, which still list A, and is held there.
    const release = holdContactsReadOf(h, 2, [1]);
    const b = h.connect(2);
    await settle();
    // A blocks B meanwhile.
    const blocked = h.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [], 2: [] }), { peer: 2 });
    await settle();
    release();
    await blocked;
    await settle();
    expect(lastPresenceOf(a, 2)).toBe(false);
    expect(lastPresenceOf(b, 1)).not.toBe(true);
  });

  it('a group mate coming online as the user leaves the group reads its contacts again: no "online" after the retraction', async () => {
    const contacts: Record<number, number[]> = { 1: [2], 2: [1] };
    h = createHarness({ contacts });
    const a = h.connect(1);
    await settle();
    const release = holdContactsReadOf(h, 2, [1]);
    h.connect(2);
    await settle();
    // A leaves the group they shared: a change of A's contacts only (no peer is named).
    await h.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [], 2: [] }));
    await settle();
    release();
    await settle();
    expect(lastPresenceOf(a, 2)).not.toBe(true);
    expect(h.groups.contactsOf.mock.calls.filter(([id]) => id === 2).length).toBeGreaterThanOrEqual(2);
  });
});

describe('Presence: two changes of the same user at once', () => {
  it('a block whose write is slow, then a group accept: they run in that order, and presence matches the contacts at the end', async () => {
    const contacts: Record<number, number[]> = { 1: [], 2: [] };
    h = createHarness({ contacts });
    const [a, b] = [h.connect(1), h.connect(2)];
    await settle();
    const blockCommits = held<void>();
    // The block is handed in first and its write is slow; the accept is handed in next and is quick.
    const blocked = h.manager.changeContacts(
      1,
      async () => {
        await blockCommits.promise;
        Object.assign(contacts, { 1: [], 2: [] });
      },
      { peer: 2 },
    );
    const accepted = h.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [2], 2: [1] }));
    await settle();
    blockCommits.release();
    await Promise.all([blocked, accepted]);
    await settle();
    // Handed in after the block, the accept ran after it: the two are contacts, and each sees the other online.
    expect(contacts[1]).toEqual([2]);
    expect(lastPresenceOf(a, 2)).toBe(true);
    expect(lastPresenceOf(b, 1)).toBe(true);
  });

  it('a block made while a group accept is being told: whatever order, the last word matches the contacts at the end', async () => {
    const contacts: Record<number, number[]> = { 1: [], 2: [] };
    h = createHarness({ contacts });
    const [a, b] = [h.connect(1), h.connect(2)];
    await settle();
    const acceptCommits = held<void>();
    const accepted = h.manager.changeContacts(1, async () => {
      await acceptCommits.promise;
      Object.assign(contacts, { 1: [2], 2: [1] });
    });
    const blocked = h.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [], 2: [] }), { peer: 2 });
    await settle();
    acceptCommits.release();
    await Promise.all([accepted, blocked]);
    await settle();
    // The block was handed in after the accept and ran after it: they are not contacts now.
    expect(contacts[1]).toEqual([]);
    expect(lastPresenceOf(a, 2)).toBe(false);
    expect(lastPresenceOf(b, 1)).toBe(false);
  });
});

describe('Presence: changes that change nothing', () => {
  it('a block of a user already blocked reads the contacts once (before), not again, and tells nobody', async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] } });
    const [a, b] = [h.connect(1), h.connect(2)];
    await settle();
    for (const s of [a, b]) s.sent.length = 0;
    h.groups.contactsOf.mockClear();
    expect(await h.manager.changeContacts(1, () => false, { peer: 2, changed: (made) => made })).toBe(false);
    await settle();
    expect(h.groups.contactsOf).toHaveBeenCalledTimes(1);
    expect([...framesOf(a, 'presence'), ...framesOf(b, 'presence')]).toEqual([]);
  });
});

describe('Presence.introduce', () => {
  function presenceOver(contacts: Record<number, number[]>) {
    const publish = vi.fn();
    const broker = Object.assign(new InProcessBroker(), { onlineAmong: async (ids: readonly number[]) => [...ids] });
    const presence = new Presence(new ConnectionRegistry(), broker, async (id) => contacts[id] ?? [], publish, silentLogger);
    return { presence, publish };
  }

  it('announces the two to each other when they are contacts', async () => {
    const { presence, publish } = presenceOver({ 1: [2], 2: [1] });
    await presence.introduce(1, 2);
    expect(publish.mock.calls).toEqual([
      [[2], 1, true],
      [[1], 2, true],
    ]);
  });

  it('announces nothing when a block came between the reply that made them contacts and the introduction', async () => {
    const contacts: Record<number, number[]> = { 1: [2], 2: [1] };
    const { presence, publish } = presenceOver(contacts);
    await presence.changeContacts(1, () => void Object.assign(contacts, { 1: [], 2: [] }), { peer: 2 }).told;
    publish.mockClear();
    await presence.introduce(2, 1);
    expect(publish).not.toHaveBeenCalled();
  });
});
