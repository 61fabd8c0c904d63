import { afterEach, describe, expect, it, vi } from 'vitest';
import { createParlorContainer } from '../../src/container.js';
import type { ConsentStore, Relation } from '../../src/websocket/consent-store.js';
import { Manager } from '../../src/websocket/manager.js';
import type { MessagePolicy } from '../../src/websocket/message-policy.js';
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

function build(consent: ConsentStore | null, policy?: MessagePolicy) {
  const groups = mockGroupMemberFetcher();
  const persister = mockPersister({ groups });
  const manager = new Manager(mockSessionResolver(), groups, persister, { messagePolicy: policy }, undefined, undefined, consent);
  managers.push(manager);
  const connect = (userId: number) => {
    const socket = new FakeSocket();
    manager.addConnection(socket, { userId, via: 'cookie' });
    return socket;
  };
  return { manager, persister, connect };
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
});
