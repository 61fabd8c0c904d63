/**
 * Presence against changes of contacts that run at the same time as it
 * (contract section 6: once A blocks B, no presence passes between them).
 * Each test holds one read of contacts (or one change) open, lets the other
 * side run, then lets the held one finish: the order that used to leave a
 * blocked user, or a former group mate, seeing the other online for good.
 * The later ones came from the review of the first fix: two users' changes
 * at once, a read overtaken again and again, a block waiting on the other
 * user's broker call.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { InProcessBroker } from '../../src/websocket/broker.js';
import { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { Presence } from '../../src/websocket/presence.js';
import { createHarness, framesOf, settle, type FakeSocket, type Harness } from '../support/mocks.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
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

/** A harness over `contacts` with users 1 and 2 connected and their connect-time presence sent. */
async function twoOnline(contacts: Record<number, number[]>): Promise<[FakeSocket, FakeSocket]> {
  h = createHarness({ contacts });
  const pair: [FakeSocket, FakeSocket] = [h.connect(1), h.connect(2)];
  await settle();
  return pair;
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
    const [a, b] = await twoOnline(contacts);
    const blockCommits = held<void>();
    // The block is handed in first and its write is slow; the accept is handed in next and is quick.
    const blocked = h!.manager.changeContacts(
      1,
      async () => {
        await blockCommits.promise;
        Object.assign(contacts, { 1: [], 2: [] });
      },
      { peer: 2 },
    );
    const accepted = h!.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [2], 2: [1] }));
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
    const [a, b] = await twoOnline(contacts);
    const acceptCommits = held<void>();
    const accepted = h!.manager.changeContacts(1, async () => {
      await acceptCommits.promise;
      Object.assign(contacts, { 1: [2], 2: [1] });
    });
    const blocked = h!.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [], 2: [] }), { peer: 2 });
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

/** Whether `p` settled within a few event-loop rounds. */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await settle(20);
  return done;
}

describe('Presence: a group accept and a group leave at once, by two users', () => {
  it('B accepts group G while A (a member) leaves it: they end up not contacts, and neither is left seeing the other online', async () => {
    // A (1) is in G; B (2) is invited to G. No other tie between them.
    const contacts: Record<number, number[]> = { 1: [], 2: [] };
    const [a, b] = await twoOnline(contacts);
    const leaveCommits = held<void>();
    // A's leave: its "before" read (B not yet accepted: []) runs now; its write is slow.
    const left = h!.manager.changeContacts(1, async () => {
      await leaveCommits.promise;
      Object.assign(contacts, { 1: [], 2: [] });
      return true;
    }, { changed: (d) => d });
    await settle();
    // B's accept commits (A is still in G: they are contacts now); B's "after" read is slow, from before A's leave.
    let releaseAfterRead!: () => void;
    const accepted = h!.manager.changeContacts(2, () => {
      Object.assign(contacts, { 1: [2], 2: [1] });
      releaseAfterRead = holdContactsReadOf(h!, 2, [1]);
      return true;
    }, { changed: (d) => d });
    await accepted;
    await settle();
    // A's leave commits now; its own telling finds nothing ended (B was not in its "before").
    leaveCommits.release();
    await left;
    await settle();
    // B's after-read answers from before the leave.
    releaseAfterRead();
    await settle();
    expect(contacts).toEqual({ 1: [], 2: [] });
    // Not contacts now (and never seen online before): neither should see the other online.
    expect(lastPresenceOf(a, 2)).not.toBe(true);
    expect(lastPresenceOf(b, 1)).not.toBe(true);
  });
});

describe('Presence: a read of contacts overtaken again and again', () => {
  it('a "came online" overtaken three times never publishes a stale read after a leave retracted it', async () => {
    // B (2) shares groups with A (1), C (3) and D (4).
    const contacts: Record<number, number[]> = { 1: [2], 2: [1, 3, 4], 3: [2], 4: [2] };
    h = createHarness({ contacts });
    const a = h.connect(1);
    await settle();
    const usual = h.groups.contactsOf.getMockImplementation()!;
    const leavers = [3, 4, 1];
    let reads = 0;
    h.groups.contactsOf.mockImplementation(((id: number) => {
      if (id !== 2) return usual(id);
      const stale = [...contacts[2]!];
      const leaver = leavers[reads++];
      if (leaver === undefined) return usual(id);
      // While B's read is under way, the leaver leaves the group shared with B, and is told.
      return (async () => {
        await h!.manager.changeContacts(leaver, () => {
          contacts[leaver] = contacts[leaver]!.filter((x) => x !== 2);
          contacts[2] = contacts[2]!.filter((x) => x !== leaver);
        });
        await settle();
        return stale;
      })();
    }) as never);
    h.connect(2);
    await settle(30);
    expect(contacts[2]).toEqual([]);
    // A left: the leave told A "B offline", then B's third (overtaken) read published "online" to A.
    expect(lastPresenceOf(a, 2)).not.toBe(true);
  });
});

describe('Presence: a block does not wait for the other user\'s broker calls (nor, through pairs, for third users\')', () => {
  function presenceOver(contactsOf: (id: number) => Promise<readonly number[]>) {
    const presence = new Presence(new ConnectionRegistry(), new InProcessBroker(), contactsOf, () => {}, silentLogger);
    return presence;
  }

  it('B\'s "came online" stuck in contactsOf: A\'s block of B is still written and answered', async () => {
    const stuck = held<readonly number[]>();
    const presence = presenceOver(async (id) => (id === 2 ? stuck.promise : []));
    void presence.cameOnline(2);
    let written = false;
    const { result } = presence.changeContacts(1, () => ((written = true), true), { peer: 2 });
    const answered = await settlesSoon(result);
    stuck.release([]);
    expect({ written, answered }).toEqual({ written: true, answered: true });
  });

  it('C\'s "came online" stuck, an introduction of B and C under way: A\'s block of B is still written and answered', async () => {
    const stuck = held<readonly number[]>();
    const presence = presenceOver(async (id) => (id === 3 ? stuck.promise : []));
    void presence.cameOnline(3); // C (3), unrelated to A
    void presence.introduce(2, 3); // B replied to C
    let written = false;
    const { result } = presence.changeContacts(1, () => ((written = true), true), { peer: 2 });
    const answered = await settlesSoon(result);
    stuck.release([]);
    expect({ written, answered }).toEqual({ written: true, answered: true });
  });
});

describe('Presence: a host\'s `changed` that throws', () => {
  it('a `changed` that throws: the result resolves, `told` rejects (tracked, logged), the maps empty, close() finishes', async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] } });
    h.connect(1);
    h.connect(2);
    await settle();
    const p = h.manager.changeContacts(1, () => true, { peer: 2, changed: () => { throw new Error('host bug'); } });
    expect(await p).toBe(true);
    await settle();
    const presence = (h.manager as unknown as { presence: { order: { size: number }; changes: { size: number }; watch: { size: number } } }).presence;
    expect([presence.order.size, presence.changes.size, presence.watch.size]).toEqual([0, 0, 0]);
    expect(await settlesSoon(h.manager.close())).toBe(true);
  });
});

describe('Presence: the telling of a change whose reads are all overtaken', () => {
  it('still tells the contacts it ended (offline both ways), and no contact made', async () => {
    // A (1) leaves the group shared with B (2); while A's contacts are read, B keeps changing its own contacts.
    const contacts: Record<number, number[]> = { 1: [2], 2: [1] };
    const publish = vi.fn();
    const broker = Object.assign(new InProcessBroker(), { onlineAmong: async (ids: readonly number[]) => [...ids] });
    let churn = false;
    const presence: Presence = new Presence(
      new ConnectionRegistry(),
      broker,
      async (id) => {
        // Each read of A's contacts is overtaken by a committed change of B's (which marks B).
        if (churn && id === 1) await presence.changeContacts(2, () => 'B changed', { changed: () => false }).result;
        return contacts[id] ?? [];
      },
      publish,
      silentLogger,
    );
    const left = presence.changeContacts(1, () => {
      Object.assign(contacts, { 1: [], 2: [] });
      churn = true;
    });
    await left.told;
    expect(publish.mock.calls).toEqual(
      expect.arrayContaining([
        [[2], 1, false],
        [[1], 2, false],
      ]),
    );
    expect(publish.mock.calls.filter(([, , online]) => online === true)).toEqual([]);
  });
});
