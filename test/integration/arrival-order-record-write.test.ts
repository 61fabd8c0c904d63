/**
 * One socket's messages must be acked, and reach
 * their recipients, in the order their frames arrived (docs/protocol.md
 * "Order": "their ids grow in that order, and their acks and the recipients'
 * frames follow it"; docs/guarantees.md "What one socket sends keeps its
 * order").
 *
 * With a host MessagePersister and Parlor's own ConsentStore, sendPrivate
 * awaited `consent.noteWritten` (ConsentStore.recordWrite, a store write)
 * between the hand-over to the store and the routing/ack of a sender's first
 * message to a peer (now it is recorded before the hand-over, in its turn). A later frame that needs no record (a group message, or a
 * private message to a peer already written to) is routed and acked while the
 * first still waits for its record: the second message (larger id) is acked
 * and delivered before the first.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Manager } from '../../src/websocket/manager.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { FakeSocket, framesOf, mockGroupMemberFetcher, mockPersister, mockSessionResolver } from '../support/mocks.js';

const GROUP = 7;
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function build() {
  // Parlor's own consent store (real SQLite), a host's persister and groups: the Manager records writes (recordWrites).
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
  const groups = mockGroupMemberFetcher({ [GROUP]: { accepted: [1, 2] } });
  const persister = mockPersister({ groups });
  const manager = new Manager(mockSessionResolver(), groups, persister, {}, undefined, undefined, stores.consent);
  cleanup.push(() => stores.close());
  cleanup.push(() => manager.close());
  const connect = (userId: number) => {
    const socket = new FakeSocket();
    manager.addConnection(socket, { userId, via: 'cookie' });
    return socket;
  };
  return { manager, persister, connect };
}

describe('arrival order with a host MessagePersister and Parlor ConsentStore (recordWrite awaited before routing)', () => {
  it('a first private message then a group message: acks and the recipient frames follow the arrival (and id) order', async () => {
    const { connect, persister } = build();
    const [a, b] = [connect(1), connect(2)];
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'p1' });
    a.receive({ type: 'group', group_id: GROUP, content: 'second', client_id: 'g2' });
    await vi.waitFor(() => expect(framesOf(a, 'ack')).toHaveLength(2));
    expect(persister.messages.map((m) => m.content)).toEqual(['first', 'second']); // stored in order: ids 1, 2
    await vi.waitFor(() => expect(framesOf(b, 'private').length + framesOf(b, 'group').length).toBe(2));
    // The order b's socket was written in, then the order of the acks.
    const received = b.frames().flatMap((f) => (f.type === 'private' || f.type === 'group' ? [f.content] : []));
    const acked = framesOf(a, 'ack').map((f) => f.client_id);
    expect({ received, acked }).toEqual({ received: ['first', 'second'], acked: ['p1', 'g2'] });
  });

  it('a first private message to one peer then a message to a peer already written to: acked in arrival order', async () => {
    const { connect, manager } = build();
    // 1 has written to 3 before (recorded): the next message to 3 needs no record.
    await manager.sendPrivate({ from: 1, to: 3, content: 'earlier', clientId: 'e0' });
    const a = connect(1);
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'p1' });
    a.receive({ type: 'private', to: 3, content: 'second', client_id: 'p2' });
    await vi.waitFor(() => expect(framesOf(a, 'ack')).toHaveLength(2));
    const acks = framesOf(a, 'ack');
    expect(acks.map((f) => f.client_id)).toEqual(['p1', 'p2']);
    expect(acks[0]!.id).toBeLessThan(acks[1]!.id);
  });
});
