import { afterEach, describe, expect, it, vi } from 'vitest';
import { createParlorContainer } from '../../src/container.js';
import type { ConsentStore, Relation } from '../../src/websocket/consent-store.js';
import { Consent } from '../../src/websocket/consent.js';
import { Manager } from '../../src/websocket/manager.js';
import type { MessagePolicy } from '../../src/websocket/message-policy.js';
import type { ManagerOptions } from '../../src/websocket/options.js';
import { FakeSocket, framesOf, mockGroupMemberFetcher, mockPersister, mockSessionResolver, nextFrame, settle } from '../support/mocks.js';

const open: Relation = { blocking: false, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false };

/** A ConsentStore whose answer the test sets: `relation(user, peer)` looks up "user>peer". */
function mockConsentStore(relations: Record<string, Partial<Relation>> = {}) {
  return {
    relation: vi.fn<ConsentStore['relation']>((user, peer) => ({ ...open, ...relations[`${user}>${peer}`] })),
    block: vi.fn<ConsentStore['block']>(() => true),
    unblock: vi.fn<ConsentStore['unblock']>(() => true),
    blockedBy: vi.fn<ConsentStore['blockedBy']>(() => []),
    blockedEitherWay: vi.fn<ConsentStore['blockedEitherWay']>(() => []),
  };
}

let managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.map((m) => m.close()));
  managers = [];
});

function build(consent: ConsentStore | null, policy?: MessagePolicy, options: Partial<ManagerOptions> = {}, contacts: Record<number, number[]> = {}) {
  const groups = mockGroupMemberFetcher({}, contacts);
  const persister = mockPersister({ groups });
  const manager = new Manager(mockSessionResolver(), groups, persister, { messagePolicy: policy, ...options }, undefined, undefined, consent);
  managers.push(manager);
  const connect = (userId: number) => {
    const socket = new FakeSocket();
    manager.addConnection(socket, { userId, via: 'cookie' });
    return socket;
  };
  return { manager, persister, groups, connect };
}

describe('Manager: message requests and blocks through an injected ConsentStore (contract section 6)', () => {
  it('a block is checked before the host policy: forbidden, the policy never asked, nothing saved', async () => {
    const check = vi.fn<MessagePolicy['check']>(() => ({ allow: true }));
    const { persister, connect } = build(mockConsentStore({ '1>2': { blockedBy: true } }), { check });
    const [a, b] = [connect(1), connect(2)];
    a.receive({ type: 'private', to: 2, content: 'let me in', client_id: 'x' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden', client_id: 'x' });
    await settle();
    expect(check).not.toHaveBeenCalled();
    expect(persister.savePrivate).not.toHaveBeenCalled();
    expect(framesOf(b, 'private')).toEqual([]);
  });

  it('without a ConsentStore (plain new Manager), everyone may write and typing and receipts flow as before', async () => {
    const { manager, connect } = build(null);
    expect(manager.consent.enabled).toBe(false);
    const [a, b] = [connect(1), connect(2)];
    a.receive({ type: 'typing', to: 2, is_typing: true });
    expect(await nextFrame(b, 'typing')).toMatchObject({ from: 1 });
    a.receive({ type: 'private', to: 2, content: 'hello', client_id: 'p' });
    await nextFrame(b, 'private');
    expect(await nextFrame(a, 'receipt')).toMatchObject({ status: 'delivered', user_id: 2 });
    await expect(manager.consent.block(1, 2)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('the container hands the Manager the consentStore binding', async () => {
    const store = mockConsentStore({ '1>2': { blocking: true } });
    const groups = mockGroupMemberFetcher();
    const c = createParlorContainer({
      sessionResolver: mockSessionResolver(),
      groupMemberFetcher: groups,
      messagePersister: mockPersister({ groups }),
      consentStore: store,
    });
    const manager = c.resolve(Manager);
    managers.push(manager);
    await expect(manager.sendPrivate({ from: 1, to: 2, content: 'hi' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(store.relation).toHaveBeenCalledWith(1, 2);
  });

  describe("a persister that is not the store's own (a host's): the Manager records who wrote to whom", () => {
    /** A store whose `wrote` follows its recordWrite calls, as the bundled stores' do. */
    function recordingStore() {
      const writers = new Set<string>();
      const store = {
        ...mockConsentStore(),
        relation: vi.fn<ConsentStore['relation']>((user, peer) => ({ ...open, wrote: writers.has(`${user}>${peer}`), peerWrote: writers.has(`${peer}>${user}`) })),
        recordWrite: vi.fn(async (user: number, peer: number) => void writers.add(`${user}>${peer}`)),
      };
      return store;
    }

    it('the first message each way is recorded, later ones are not; the reply makes the first writer get delivered', async () => {
      const store = recordingStore();
      const { manager, connect } = build(store);
      const [a] = [connect(1), connect(2)];
      await manager.sendPrivate({ from: 1, to: 2, content: 'hello' });
      await manager.sendPrivate({ from: 1, to: 2, content: 'anyone?' });
      expect(store.recordWrite.mock.calls).toEqual([[1, 2]]);
      expect(framesOf(a, 'receipt')).toEqual([]);
      await manager.sendPrivate({ from: 2, to: 1, content: 'yes' });
      expect(store.recordWrite.mock.calls).toEqual([[1, 2], [2, 1]]);
      const third = await manager.sendPrivate({ from: 1, to: 2, content: 'great' });
      expect(await nextFrame(a, 'receipt')).toMatchObject({ message_id: third.message.id, status: 'delivered' });
    });

    it('a record that failed: the message is still routed (it is stored), and the next message records it', async () => {
      const store = recordingStore();
      const { manager, connect } = build(store);
      const b = connect(2);
      store.recordWrite.mockRejectedValueOnce(new Error('database timeout'));
      const sent = await manager.sendPrivate({ from: 1, to: 2, content: 'hi', clientId: 'c1' });
      expect(await nextFrame(b, 'private')).toMatchObject({ id: sent.message.id });
      expect(store.relation(2, 1)).toMatchObject({ peerWrote: false });
      await manager.sendPrivate({ from: 1, to: 2, content: 'still there?', clientId: 'c2' });
      expect(store.relation(2, 1)).toMatchObject({ peerWrote: true });
    });

    it('two first messages that cross (each admitted before the other was stored) still introduce the two: each sees the other online', async () => {
      const store = recordingStore();
      const { manager, connect } = build(store, undefined, {}, { 1: [2], 2: [1] });
      const [a, b] = [connect(1), connect(2)];
      await settle();
      for (const s of [a, b]) s.sent.length = 0;
      // Both sent in the same turn: neither admission sees the other's message, so neither looks like a reply.
      await Promise.all([manager.sendPrivate({ from: 1, to: 2, content: 'hi bob' }), manager.sendPrivate({ from: 2, to: 1, content: 'hi alice' })]);
      await settle();
      expect(framesOf(a, 'presence')).toContainEqual({ type: 'presence', user_id: 2, online: true });
      expect(framesOf(b, 'presence')).toContainEqual({ type: 'presence', user_id: 1, online: true });
    });

    it('a first message the other has not answered introduces nobody', async () => {
      const store = recordingStore();
      const { manager, connect } = build(store, undefined, {}, { 1: [], 2: [] });
      const [a, b] = [connect(1), connect(2)];
      await settle();
      await manager.sendPrivate({ from: 1, to: 2, content: 'hello stranger' });
      await settle();
      expect([...framesOf(a, 'presence'), ...framesOf(b, 'presence')]).toEqual([]);
    });

    it('storesKnowWriters (the bundled stores, whose messages table records it): nothing recorded', async () => {
      const store = recordingStore();
      const { manager } = build(store, undefined, { storesKnowWriters: true });
      await manager.sendPrivate({ from: 1, to: 2, content: 'hello' });
      expect(store.recordWrite).not.toHaveBeenCalled();
    });
  });

  describe("a host's groups: its contactsOf says who shares a group", () => {
    it('group-mates are contacts before anyone writes; contactsOf is not asked once both have written', async () => {
      const store = mockConsentStore({ '3>4': { wrote: true, peerWrote: true }, '4>3': { wrote: true, peerWrote: true } });
      const { manager, groups, connect } = build(store, undefined, {}, { 1: [2], 2: [1], 3: [4], 4: [3] });
      const [a, b] = [connect(1), connect(2)];
      b.receive({ type: 'typing', to: 1, is_typing: true });
      expect(await nextFrame(a, 'typing')).toMatchObject({ from: 2 });
      const sent = await manager.sendPrivate({ from: 1, to: 2, content: 'team stuff' });
      expect(await nextFrame(a, 'receipt')).toMatchObject({ message_id: sent.message.id, status: 'delivered' });
      groups.contactsOf.mockClear();
      await manager.sendPrivate({ from: 3, to: 4, content: 'old friends' });
      expect(groups.contactsOf).not.toHaveBeenCalled();
    });

    it('consentStoreKnowsGroups (Parlor owns the groups, whoever stores the messages): contactsOf is never asked for consent', async () => {
      const { manager, groups } = build(mockConsentStore(), undefined, { consentStoreKnowsGroups: true }, { 1: [2], 2: [1] });
      await manager.sendPrivate({ from: 1, to: 2, content: 'hello' });
      expect(groups.contactsOf).not.toHaveBeenCalled();
    });
  });

  describe('the conversation list with a host persister and host groups', () => {
    it("asks the host's contactsOf once per list, and marks each private conversation from the relation", async () => {
      const store = {
        ...mockConsentStore({ '1>3': { wrote: true } }),
        recordWrite: vi.fn(async () => {}),
      };
      const contactsOf = vi.fn(async () => [2]);
      const consent = new Consent(store, { groupContactsOf: contactsOf, hostGroups: true, recordWrites: true });
      const last_message = { id: 1, from: 2, to: 1, content: 'x', timestamp: 1 };
      const list = await consent.conversationsFor(1, [
        { kind: 'private', user_id: 2, last_message, unread: 1 }, // a host contact
        { kind: 'private', user_id: 3, last_message, unread: 1 }, // I wrote to them
        { kind: 'private', user_id: 4, last_message, unread: 1, request: true }, // a stranger
        { kind: 'group', group_id: 9, last_message, unread: 0 },
      ]);
      expect(list.map((c) => ('request' in c ? c.request : false))).toEqual([false, false, true, false]);
      expect(contactsOf).toHaveBeenCalledTimes(1);
    });
  });

  describe('conversations started with strangers, per day (newConversationsPerDay)', () => {
    it('refuses the one past the budget with rate_limited, nothing saved; replies and conversations under way are not counted', async () => {
      const store = mockConsentStore({ '1>9': { wrote: true }, '1>8': { peerWrote: true } });
      const { manager, persister } = build(store, undefined, { newConversationsPerDay: 2 });
      // Three messages to one new person before any is stored: one conversation.
      await Promise.all([1, 2, 3].map((n) => manager.sendPrivate({ from: 1, to: 2, content: `hi ${n}` })));
      await manager.sendPrivate({ from: 1, to: 3, content: 'hi' });
      await expect(manager.sendPrivate({ from: 1, to: 4, content: 'hi' })).rejects.toMatchObject({ code: 'rate_limited' });
      expect(persister.savePrivate).toHaveBeenCalledTimes(4);
      await manager.sendPrivate({ from: 1, to: 9, content: 'a conversation under way' });
      await manager.sendPrivate({ from: 1, to: 8, content: 'a reply to a request' });
      await manager.sendPrivate({ from: 5, to: 4, content: 'another user has a budget of their own' });
      expect(persister.savePrivate).toHaveBeenCalledTimes(7);
    });

    it("a message the host's policy refuses uses none of the budget", async () => {
      const check = vi.fn<MessagePolicy['check']>(({ content }) => (content.includes('http') ? { allow: false, reason: 'no links yet' } : { allow: true }));
      const { manager, persister } = build(mockConsentStore(), { check }, { newConversationsPerDay: 1 });
      await expect(manager.sendPrivate({ from: 1, to: 2, content: 'see http://spam' })).rejects.toMatchObject({ code: 'forbidden' });
      await manager.sendPrivate({ from: 1, to: 3, content: 'hello' });
      await expect(manager.sendPrivate({ from: 1, to: 4, content: 'hello' })).rejects.toMatchObject({ code: 'rate_limited' });
      expect(persister.savePrivate).toHaveBeenCalledTimes(1);
    });
  });
});
