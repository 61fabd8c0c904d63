import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { InProcessBroker, type Broker, type Envelope } from '../../src/websocket/broker.js';
import { Manager } from '../../src/websocket/manager.js';
import {
  FakeSocket,
  createHarness,
  framesAfterWelcome,
  framesOf,
  mockGroupMemberFetcher,
  mockPersister,
  mockSessionResolver,
  nextFrame,
  settle,
  type Harness,
} from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  vi.useRealTimers();
  await h?.stop();
});

/** Fakes only setTimeout, the clock of the typing expiry; sockets and `settle` keep real setImmediate. */
function fakeTypingClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

const noContacts = { 1: [], 2: [], 3: [], 4: [], 5: [] };

describe('Manager: typing', () => {
  it("relays private typing to every connection of the other side, not to the typist's connections", async () => {
    h = createHarness({ contacts: noContacts });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    const c = h.connect(3);
    a1.receive({ type: 'typing', to: 2 });
    const frame = { type: 'typing', from: 1, to: 2, is_typing: true };
    expect(await nextFrame(b1, 'typing')).toEqual(frame);
    expect(await nextFrame(b2, 'typing')).toEqual(frame);
    await settle();
    expect(framesOf(a1, 'typing')).toEqual([]);
    expect(framesOf(a2, 'typing')).toEqual([]);
    expect(framesAfterWelcome(c)).toEqual([]);
  });

  it('relays typing to oneself (a note to self) to nobody, and starts no expiry', async () => {
    h = createHarness({ contacts: noContacts });
    fakeTypingClock();
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    a1.receive({ type: 'typing', to: 1 });
    await settle();
    vi.advanceTimersByTime(3500);
    await settle();
    expect(framesOf(a1, 'typing')).toEqual([]);
    expect(framesOf(a2, 'typing')).toEqual([]);
    expect(framesOf(a1, 'error')).toEqual([]);
  });

  it('relays group typing to the other accepted members only', async () => {
    h = createHarness({ groups: { 9: { accepted: [1, 2, 3], invited: [4] } }, contacts: noContacts });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const b = h.connect(2);
    const c = h.connect(3);
    const invited = h.connect(4);
    const stranger = h.connect(5);
    a1.receive({ type: 'typing', group_id: '9', is_typing: true });
    const frame = { type: 'typing', from: 1, group_id: 9, is_typing: true };
    expect(await nextFrame(b, 'typing')).toEqual(frame);
    expect(await nextFrame(c, 'typing')).toEqual(frame);
    await settle();
    for (const s of [a1, a2, invited, stranger]) expect(framesOf(s, 'typing')).toEqual([]);
  });

  it('answers forbidden to group typing by a non-member and not_found for an unknown group; nobody is told', async () => {
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: noContacts });
    const a = h.connect(1);
    const outsider = h.connect(3);
    outsider.receive({ type: 'typing', group_id: 9 });
    expect(await nextFrame(outsider, 'error')).toMatchObject({ type: 'error', code: 'forbidden' });
    outsider.receive({ type: 'typing', group_id: 10 });
    expect(await nextFrame(outsider, 'error')).toMatchObject({ type: 'error', code: 'not_found' });
    await settle();
    expect(framesOf(a, 'typing')).toEqual([]);
  });

  it('sends is_typing false by itself 3 s (the default) after the last typing frame', async () => {
    fakeTypingClock();
    h = createHarness({ contacts: noContacts });
    expect(h.manager.options.typingTimeoutMs).toBe(3000);
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', to: 2 });
    await settle();
    vi.advanceTimersByTime(2000);
    a.receive({ type: 'typing', to: 2 }); // restarts the expiry
    await settle();
    vi.advanceTimersByTime(2999);
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, true]);
    vi.advanceTimersByTime(1);
    await settle();
    expect(framesOf(b, 'typing')).toEqual([
      { type: 'typing', from: 1, to: 2, is_typing: true },
      { type: 'typing', from: 1, to: 2, is_typing: true },
      { type: 'typing', from: 1, to: 2, is_typing: false },
    ]);
    vi.advanceTimersByTime(10_000);
    await settle();
    expect(framesOf(b, 'typing')).toHaveLength(3);
  });

  it('expires group typing after options.typingTimeoutMs to the other members', async () => {
    fakeTypingClock();
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: noContacts, options: { typingTimeoutMs: 30 } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', group_id: 9 });
    await settle();
    await vi.advanceTimersByTimeAsync(30);
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    expect(framesOf(a, 'typing')).toEqual([]);
  });

  it('relays an explicit is_typing false at once and then sends no expiry', async () => {
    fakeTypingClock();
    h = createHarness({ contacts: noContacts, options: { typingTimeoutMs: 30 } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', to: 2 });
    a.receive({ type: 'typing', to: 2, is_typing: false });
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    vi.advanceTimersByTime(100);
    await settle();
    expect(framesOf(b, 'typing')).toHaveLength(2);
  });

  it('clears typing when the typist sends the message: the recipient gets the message, then is_typing false, once', async () => {
    fakeTypingClock();
    h = createHarness({ contacts: noContacts, options: { typingTimeoutMs: 30 } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', to: 2 });
    await settle();
    a.receive({ type: 'private', to: 2, content: 'done typing' });
    await settle();
    expect(framesAfterWelcome(b).map((f) => (f.type === 'typing' ? `typing:${f.is_typing}` : f.type))).toEqual([
      'typing:true',
      'private',
      'typing:false',
    ]);
    vi.advanceTimersByTime(100);
    await settle();
    expect(framesOf(b, 'typing')).toHaveLength(2);
  });

  it('clears group typing when the typist sends to the group', async () => {
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: noContacts, options: { typingTimeoutMs: 60_000 } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', group_id: 9 });
    await nextFrame(b, 'typing');
    a.receive({ type: 'group', group_id: 9, content: 'sent' });
    expect(await nextFrame(b, 'typing')).toEqual({ type: 'typing', from: 1, group_id: 9, is_typing: false });
  });

  it('sends no is_typing false for a message when the sender was not typing', async () => {
    h = createHarness({ contacts: noContacts });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: 'quick' });
    await nextFrame(b, 'private');
    await settle();
    expect(framesOf(b, 'typing')).toEqual([]);
  });

  it('sends a group stop to exactly the users its trues were sent to: one who left since gets it, one who joined since does not', async () => {
    fakeTypingClock();
    h = createHarness({ groups: { 9: { accepted: [1, 2, 3] } }, contacts: noContacts, options: { typingTimeoutMs: 30 } });
    const a = h.connect(1);
    const b = h.connect(2);
    const leaver = h.connect(3);
    const joiner = h.connect(4);
    const late = h.connect(5);
    const group = h.groups.groups.get(9)!;
    a.receive({ type: 'typing', group_id: 9 });
    await settle();
    group.accepted = [1, 2, 4]; // 3 leaves, 4 joins: the next true is sent to 2 and 4
    a.receive({ type: 'typing', group_id: 9 });
    await settle();
    group.accepted = [1, 2, 4, 5]; // 5 joins after the last true: never shown this typing
    await vi.advanceTimersByTimeAsync(30);
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, true, false]);
    expect(framesOf(leaver, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    expect(framesOf(joiner, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    expect(framesOf(late, 'typing')).toEqual([]);
    expect(framesOf(a, 'typing')).toEqual([]);
  });

  it("sends a group stop for the typist's message to those shown the typing, not to a member who joined since", async () => {
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: noContacts, options: { typingTimeoutMs: 60_000 } });
    const a = h.connect(1);
    const b = h.connect(2);
    const joiner = h.connect(3);
    a.receive({ type: 'typing', group_id: 9 });
    await nextFrame(b, 'typing');
    h.groups.groups.get(9)!.accepted = [1, 2, 3];
    a.receive({ type: 'group', group_id: 9, content: 'sent' });
    expect(await nextFrame(b, 'typing')).toEqual({ type: 'typing', from: 1, group_id: 9, is_typing: false });
    await nextFrame(joiner, 'group');
    await settle();
    expect(framesOf(joiner, 'typing')).toEqual([]);
  });

  it("sends the typist's explicit group stop to a member who left since, and not to one who joined since", async () => {
    h = createHarness({ groups: { 9: { accepted: [1, 2, 3] } }, contacts: noContacts, options: { typingTimeoutMs: 60_000 } });
    const a = h.connect(1);
    const b = h.connect(2);
    const leaver = h.connect(3);
    const joiner = h.connect(4);
    a.receive({ type: 'typing', group_id: 9 });
    await nextFrame(leaver, 'typing');
    h.groups.groups.get(9)!.accepted = [1, 2, 4];
    a.receive({ type: 'typing', group_id: 9, is_typing: false });
    expect(await nextFrame(leaver, 'typing')).toEqual({ type: 'typing', from: 1, group_id: 9, is_typing: false });
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    expect(framesOf(joiner, 'typing')).toEqual([]);
  });

  it('takes a group typing down with the stop of a typist who left since, to those shown it, and does not refuse that stop', async () => {
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: noContacts, options: { typingTimeoutMs: 60_000 } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', group_id: 9 });
    await nextFrame(b, 'typing');
    h.groups.groups.get(9)!.accepted = [2]; // 1 leaves (or is removed)
    a.receive({ type: 'typing', group_id: 9, is_typing: false });
    expect(await nextFrame(b, 'typing')).toEqual({ type: 'typing', from: 1, group_id: 9, is_typing: false });
    await settle();
    expect(framesOf(a, 'error')).toEqual([]);
    a.receive({ type: 'typing', group_id: 9 }); // a new typing is a non-member's: refused, shown to nobody
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden' });
    expect(framesOf(b, 'typing')).toHaveLength(2);
  });

  it('sends a stop of a typing that ended already, or never started, to nobody: not a member who joined since, no second stop', async () => {
    fakeTypingClock();
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: { ...noContacts, 1: [2], 2: [1] }, options: { typingTimeoutMs: 30 } });
    const a = h.connect(1);
    const b = h.connect(2);
    const joiner = h.connect(3);
    a.receive({ type: 'typing', group_id: 9 });
    await settle();
    await vi.advanceTimersByTimeAsync(30); // the timer's stop
    await settle();
    h.groups.groups.get(9)!.accepted = [1, 2, 3];
    a.receive({ type: 'typing', group_id: 9, is_typing: false });
    a.receive({ type: 'typing', to: 2, is_typing: false }); // a private conversation where 1 never typed
    await settle();
    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    expect(framesOf(joiner, 'typing')).toEqual([]);
    expect(framesOf(a, 'error')).toEqual([]);
  });

  it('with several instances relays a stop it does not hold, written here only to the users shown that typing', async () => {
    /** The typist's other device is on another instance: its typing reaches this one through the broker. */
    const local = new InProcessBroker();
    let fromElsewhere: (e: Envelope) => void = () => {};
    const broker = {
      publish: (e: Envelope) => local.publish(e),
      setDeliver: (d: (e: Envelope) => void) => {
        fromElsewhere = d;
        local.setDeliver(d);
      },
      close: () => {},
    } satisfies Broker;
    h = createHarness({ groups: { 9: { accepted: [1, 2, 3] } }, contacts: noContacts, options: { typingTimeoutMs: 60_000 }, broker });
    const a = h.connect(1);
    const b = h.connect(2);
    const joiner = h.connect(4);
    const gone = h.connect(3);
    const shown = { type: 'typing', from: 1, group_id: 9, is_typing: true } as const;
    fromElsewhere({ type: 'typing', raw: JSON.stringify(shown), users: [2, 3], latestKey: 'typing:1:g9' });
    await nextFrame(b, 'typing');
    h.groups.groups.get(9)!.accepted = [1, 2, 4]; // 3 leaves, 4 joins

    a.receive({ type: 'typing', group_id: 9, is_typing: false }); // this instance's tracker does not hold it
    expect(await nextFrame(b, 'typing')).toEqual({ type: 'typing', from: 1, group_id: 9, is_typing: false });
    await settle();
    expect(framesOf(joiner, 'typing')).toEqual([]); // relayed to it too, never shown it: not written
    expect(framesOf(gone, 'typing').map((f) => f.is_typing)).toEqual([true]); // not in the members now: only its tracker's stop reaches it
    a.receive({ type: 'typing', group_id: 9, is_typing: false }); // and a second stop is written to nobody
    await settle();
    expect(framesOf(b, 'typing')).toHaveLength(2);
  });

  it('sends the stop at expiry without reading the group again: a lookup that would fail then changes nothing', async () => {
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() } as unknown as Logger;
    h = createHarness({ groups: { 9: { accepted: [1, 2] } }, contacts: noContacts, options: { typingTimeoutMs: 5, logger } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'typing', group_id: 9 });
    await nextFrame(b, 'typing');
    h.groups.acceptedMembers.mockRejectedValue(new Error('db down'));
    expect(await nextFrame(b, 'typing')).toEqual({ type: 'typing', from: 1, group_id: 9, is_typing: false });
    expect(logger.error).not.toHaveBeenCalled();
  });
});

describe('Manager: presence', () => {
  it("tells the user's online contacts when the first connection opens, not the user or non-contacts", async () => {
    h = createHarness({ contacts: { 1: [2, 3], 2: [1], 3: [1], 5: [] } });
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    const stranger = h.connect(5);
    await settle();
    const a = h.connect(1);
    const online = { type: 'presence', user_id: 1, online: true };
    expect(await nextFrame(b1, 'presence')).toEqual(online);
    expect(await nextFrame(b2, 'presence')).toEqual(online);
    await settle();
    expect(h.groups.contactsOf).toHaveBeenCalledWith(1);
    expect(framesOf(a, 'presence')).toEqual([]);
    expect(framesOf(stranger, 'presence')).toEqual([]);
  });

  it('a connection that closes while its online announcement is still under way: contacts hear online, then offline, in that order', async () => {
    // The cluster's answer for "came online" is slow (Redis: the SUBSCRIBE reply), for "went offline" quick.
    const broker: Broker = new InProcessBroker();
    broker.userOnline = () => new Promise<boolean>((ok) => setTimeout(() => ok(true), 20));
    broker.userOffline = () => true;
    h = createHarness({ contacts: { 1: [2], 2: [1] }, broker });
    const b = h.connect(2);
    await settle();
    const a = h.connect(1);
    a.peerClose();
    await new Promise((ok) => setTimeout(ok, 50));
    await settle();
    expect(framesOf(b, 'presence').filter((f) => f.user_id === 1).map((f) => f.online)).toEqual([true, false]);
  });

  it("announces online once for the user's second connection, offline only when the last one closes", async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] } });
    const b = h.connect(2);
    await settle();
    const a1 = h.connect(1);
    await nextFrame(b, 'presence');
    const a2 = h.connect(1);
    await settle();
    expect(framesOf(b, 'presence')).toHaveLength(1);

    a1.peerClose();
    await settle();
    expect(framesOf(b, 'presence')).toHaveLength(1);
    expect(h.manager.isOnline(1)).toBe(true);

    a2.peerClose();
    expect(await nextFrame(b, 'presence')).toEqual({ type: 'presence', user_id: 1, online: false });
    expect(h.manager.isOnline(1)).toBe(false);
    expect(h.manager.onlineUsers()).toEqual([2]);
  });

  it('sends no presence at all when the fetcher has no contactsOf', async () => {
    h = createHarness();
    delete (h.groups as { contactsOf?: unknown }).contactsOf;
    const b = h.connect(2);
    const a = h.connect(1);
    a.peerClose();
    await settle();
    expect(framesOf(b, 'presence')).toEqual([]);
  });

  it('announces nothing when the broker says the user is still online elsewhere in the cluster', async () => {
    /** A broker for a cluster where user 1 also holds a socket on another instance. */
    const local = new InProcessBroker();
    let announce: ((userId: number, online: boolean) => void) | undefined;
    const broker = {
      publish: (e: Envelope) => local.publish(e),
      setDeliver: (d: (e: Envelope) => void) => local.setDeliver(d),
      close: () => {},
      userOnline: vi.fn((userId: number) => userId !== 1),
      userOffline: vi.fn((userId: number) => userId !== 1),
      setPresenceHandler: (handler: (userId: number, online: boolean) => void) => (announce = handler),
    } satisfies Broker;
    const groups = mockGroupMemberFetcher({}, { 1: [2], 2: [1] });
    const manager = new Manager(mockSessionResolver(), groups, mockPersister({ groups }), {}, broker);
    const b = new FakeSocket();
    const a = new FakeSocket();
    try {
      manager.addConnection(b, { userId: 2, via: 'cookie' });
      manager.addConnection(a, { userId: 1, via: 'cookie' });
      a.peerClose();
      await settle();
      expect(broker.userOnline).toHaveBeenCalledWith(1);
      expect(broker.userOffline).toHaveBeenCalledWith(1);
      expect(framesOf(b, 'presence')).toEqual([]);

      // The broker learns that user 1's other instance died: the Manager announces it to local contacts.
      announce!(1, false);
      expect(await nextFrame(b, 'presence')).toEqual({ type: 'presence', user_id: 1, online: false });
    } finally {
      await manager.close();
    }
  });
});

describe('Manager: changeContacts (a block, an unblock, a group accepted or left)', () => {
  const presenceOf = (socket: FakeSocket) => framesOf(socket, 'presence');

  it('tells both sides of each contact ended (offline) or made (online), where online; nobody else', async () => {
    const contacts: Record<number, number[]> = { 1: [2, 3], 2: [1], 3: [1], 4: [] };
    h = createHarness({ contacts });
    const [u1, u2, u3, u4] = [h.connect(1), h.connect(2), h.connect(3), h.connect(4)];
    await settle();
    for (const s of [u1, u2, u3, u4]) s.sent.length = 0;

    const result = await h.manager.changeContacts(1, () => {
      Object.assign(contacts, { 1: [3, 4], 2: [], 4: [1] }); // 2 ended, 4 made, 3 unchanged
      return 'changed';
    });
    expect(result).toBe('changed');
    await settle();
    expect(presenceOf(u1)).toEqual(
      expect.arrayContaining([
        { type: 'presence', user_id: 2, online: false },
        { type: 'presence', user_id: 4, online: true },
      ]),
    );
    expect(presenceOf(u1)).toHaveLength(2);
    expect(presenceOf(u2)).toEqual([{ type: 'presence', user_id: 1, online: false }]);
    expect(presenceOf(u4)).toEqual([{ type: 'presence', user_id: 1, online: true }]);
    expect(presenceOf(u3)).toEqual([]);
  });

  it('tells an online side about an offline one nothing, and the offline one is not announced', async () => {
    const contacts: Record<number, number[]> = { 1: [2], 2: [1] };
    h = createHarness({ contacts });
    const u2 = h.connect(2); // 1 has no connection
    await settle();
    u2.sent.length = 0;
    await h.manager.changeContacts(1, () => void Object.assign(contacts, { 1: [], 2: [] }));
    await settle();
    expect(presenceOf(u2)).toEqual([]);
  });

  it('a change goes ahead when the contacts cannot be read first, and tells nobody (logged)', async () => {
    const warn = vi.fn();
    const logger = { warn, info: vi.fn(), debug: vi.fn(), error: vi.fn(), child: () => logger } as unknown as Logger;
    h = createHarness({ contacts: { 1: [2], 2: [1] }, options: { logger } });
    const [u1, u2] = [h.connect(1), h.connect(2)];
    await settle();
    for (const s of [u1, u2]) s.sent.length = 0;
    h.groups.contactsOf.mockImplementationOnce(() => {
      throw new Error('contacts unavailable');
    });
    const change = vi.fn(() => 'done');
    expect(await h.manager.changeContacts(1, change)).toBe('done');
    expect(change).toHaveBeenCalledTimes(1);
    await settle();
    expect([...presenceOf(u1), ...presenceOf(u2)]).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ userId: 1 }), expect.stringContaining('contacts could not be read'));
  });

  it("a change that fails is the caller's error, and tells nobody", async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] } });
    const [u1, u2] = [h.connect(1), h.connect(2)];
    await settle();
    for (const s of [u1, u2]) s.sent.length = 0;
    await expect(h.manager.changeContacts(1, () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await settle();
    expect([...presenceOf(u1), ...presenceOf(u2)]).toEqual([]);
  });
});
