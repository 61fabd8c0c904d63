/**
 * withNumericMessageIds (src/composition/host-message-ids.ts): a host's
 * MessagePersister over `pg` bigint columns answers ids as strings ('802');
 * Parlor reads them as numbers. It keeps the persister's shape (an absent
 * optional method stays absent: the Manager turns features off by testing
 * for them), hands answers already numeric on as the same object (no copy on
 * the hot path), and refuses an id that is not digits with a TypeError naming
 * the method. Before it, string ids went out in acks, frames and history.
 */
import { afterEach, expect, it } from 'vitest';
import { withNumericMessageIds } from '../../src/composition/host-message-ids.js';
import { hostMessagePersister, preparedForManager } from '../../src/composition/host-interfaces.js';
import { Manager, createParlorContainer } from '../../src/index.js';
import type { MessagePersister } from '../../src/websocket/message-persister.js';

/** Required methods only, answering rows as given (ids strings when `pg` stored them). */
function persister(id: unknown, extra: Partial<MessagePersister> = {}): MessagePersister {
  const msg = (from: unknown, to: unknown) => ({ id, from, to, content: 'hi', timestamp: 1 });
  return {
    savePrivate: (i) => ({ message: msg(i.from, i.to), duplicate: false }) as never,
    saveGroup: async (i) => ({ message: { id, from: i.from, group_id: String(i.groupId), content: 'hi', timestamp: 1 }, duplicate: false }) as never,
    saveNotification: (_u, subtype, message) => ({ id, subtype, message, timestamp: 1 }) as never,
    privateHistory: (u, o) => ({ items: [msg(String(o), String(u))], hasMore: false }) as never,
    groupHistory: async () => ({ items: [], hasMore: false }),
    ...extra,
  };
}

it('reads digits as numbers in messages, notifications, history pages and read results, sync or async', async () => {
  const p = withNumericMessageIds(
    persister('802', { markRead: async () => ({ senderId: '7', messageId: '802', delivered: ['800', 801] }) as never }),
  );
  expect(p.savePrivate({ from: 1, to: 2, content: 'hi' })).toEqual({ message: { id: 802, from: 1, to: 2, content: 'hi', timestamp: 1 }, duplicate: false });
  expect((await p.saveGroup({ from: 1, groupId: 5, content: 'hi' })).message).toMatchObject({ id: 802, from: 1, group_id: 5 });
  expect(p.saveNotification(1, 'x', 'y')).toMatchObject({ id: 802 });
  expect(await p.privateHistory(1, 2, { limit: 10 })).toEqual({ items: [{ id: 802, from: 2, to: 1, content: 'hi', timestamp: 1 }], hasMore: false });
  expect(await p.markRead!(1, 802)).toEqual({ senderId: 7, messageId: 802, delivered: [800, 801] });
});

it('an id that is not digits is a TypeError naming the method', async () => {
  const p = withNumericMessageIds(persister('msg-1'));
  expect(() => p.savePrivate({ from: 1, to: 2, content: 'hi' })).toThrow(/messagePersister\.savePrivate: id .*"msg-1"/);
});

it('absent optional methods stay absent; present ones are kept', () => {
  const bare = withNumericMessageIds(persister(1));
  for (const m of ['messagesSince', 'messageByClientId', 'markDelivered', 'markRead', 'markGroupRead', 'conversationsOf', 'notificationsOf'] as const) {
    expect(bare[m], m).toBeUndefined();
  }
  const full = withNumericMessageIds(persister(1, { markDelivered: () => true, messagesSince: () => [], markGroupRead: () => true }));
  expect(full.markDelivered!(1, 2)).toBe(true);
  expect(full.messagesSince!(1, 0, 10)).toEqual([]);
  expect(full.markGroupRead!(1, 2, 3)).toBe(true);
});

it('answers already numeric pass through as the same objects and arrays', async () => {
  const saved = { message: { id: 3, from: 1, to: 2, content: 'hi', timestamp: 1 }, duplicate: false };
  const page = { items: [saved.message], hasMore: false };
  const since = [saved.message];
  const read = { senderId: 1, messageId: 3, delivered: [3] };
  const p = withNumericMessageIds({
    ...persister(3),
    savePrivate: () => saved,
    privateHistory: () => page,
    messagesSince: () => since,
    markRead: () => read,
  });
  expect(p.savePrivate({ from: 1, to: 2, content: 'hi' })).toBe(saved);
  expect(p.privateHistory(1, 2, { limit: 10 })).toBe(page);
  expect(p.messagesSince!(1, 0, 10)).toBe(since);
  expect(p.markRead!(1, 3)).toBe(read);
});

it('hostMessagePersister leaves what createParlor marked as prepared (its own stores) unwrapped', () => {
  const own = preparedForManager(persister(1));
  expect(hostMessagePersister(own)).toBe(own);
  const host = persister('1');
  const prepared = hostMessagePersister(host);
  expect(prepared).not.toBe(host);
  // One wrapper per host object: the Manager and the list routes share it (and a prepared one is not wrapped again).
  expect(hostMessagePersister(host)).toBe(prepared);
  expect(hostMessagePersister(prepared)).toBe(prepared);
});

let manager: Manager | undefined;
afterEach(async () => {
  await manager?.close();
});

it('a container-registered persister answering string ids is read with numeric ids by the Manager', async () => {
  const container = createParlorContainer({
    sessionResolver: { resolve: () => null },
    groupMemberFetcher: { acceptedMembers: () => null },
    messagePersister: persister('802'),
  });
  manager = container.resolve(Manager);
  // Frames are encoded by hand (a string id of digits comes out a number there), history and reads are not.
  expect((await manager.messages.privateHistory(1, 2, { limit: 10 })).items[0]).toMatchObject({ id: 802, from: 2, to: 1 });
  expect((await manager.messages.savePrivate({ from: 1, to: 2, content: 'hi' })).message).toMatchObject({ id: 802, from: 1, to: 2 });
});
