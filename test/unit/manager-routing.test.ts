import { afterEach, describe, expect, it, vi } from 'vitest';
import { Manager } from '../../src/websocket/manager.js';
import {
  FakeSocket,
  createHarness,
  deferred,
  framesAfterWelcome,
  framesOf,
  nextFrame,
  settle,
  type Harness,
} from '../support/mocks.js';
import type { PrivateMessage, GroupMessage } from '../../src/websocket/protocol.js';
import type { Saved } from '../../src/websocket/message-persister.js';

const T0 = 1_700_000_000_000;
const clock = () => T0;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Manager: connections', () => {
  it('sends welcome {user_id, timestamp} as the first frame of a new connection', () => {
    h = createHarness({ options: { now: clock } });
    const s = h.connect(7);
    expect(s.frames()).toEqual([{ type: 'welcome', user_id: 7, timestamp: T0 }]);
    expect(h.manager.isOnline(7)).toBe(true);
    expect(h.manager.connectionCount).toBe(1);
  });

  it('works when built with plain `new` and plain objects, no container', async () => {
    const sent: string[] = [];
    const socket = new FakeSocket();
    socket.outbox.on('frame', (f) => sent.push(f.type));
    const manager = new Manager(
      { resolve: () => null },
      { acceptedMembers: () => null },
      {
        savePrivate: ({ from, to, content }) => ({ message: { id: 1, from, to, content, timestamp: 5 }, duplicate: false }),
        saveGroup: () => {
          throw new Error('unused');
        },
        saveNotification: () => {
          throw new Error('unused');
        },
        privateHistory: () => ({ items: [], hasMore: false }),
        groupHistory: () => ({ items: [], hasMore: false }),
      },
      { rateLimit: 5 },
    );
    expect(manager.options.rateLimit).toBe(5);
    expect(manager.options.rateBurst).toBe(40);
    manager.addConnection(socket, { userId: 1, via: 'token' });
    socket.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c' });
    await vi.waitFor(() => expect(sent).toEqual(['welcome', 'ack']));
    expect(framesOf(socket, 'ack')).toEqual([{ type: 'ack', client_id: 'c', id: 1, timestamp: 5 }]);
    await manager.close();
  });
});

describe('Manager: private messages', () => {
  it('stores with from = the connection user, ignoring a spoofed `from`, and trims content', async () => {
    h = createHarness({ options: { now: clock } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: '  hello  ', from: 99, client_id: 'c1' });
    const got = await nextFrame(b, 'private');
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(1);
    expect(h.persister.savePrivate).toHaveBeenCalledWith({ from: 1, to: 2, content: 'hello', clientId: 'c1' });
    expect(got).toEqual({ type: 'private', id: 1, from: 1, to: 2, content: 'hello', timestamp: T0 });
  });

  it('acks {client_id, id, timestamp} only after the persister resolves, and routes only then', async () => {
    h = createHarness({ options: { now: clock } });
    const write = deferred<Saved<PrivateMessage>>();
    h.persister.savePrivate.mockImplementationOnce(() => write.promise);
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c1' });
    await settle();
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(1);
    expect(framesAfterWelcome(a)).toEqual([]);
    expect(framesAfterWelcome(b)).toEqual([]);

    write.resolve({ message: { id: 41, from: 1, to: 2, content: 'hi', timestamp: 1234 }, duplicate: false });
    await vi.waitFor(() => expect(framesAfterWelcome(a).length).toBeGreaterThan(0));
    // The ack comes first; a `delivered` receipt may follow once b's write completes.
    expect(framesAfterWelcome(a)[0]).toEqual({ type: 'ack', client_id: 'c1', id: 41, timestamp: 1234 });
    expect(framesOf(b, 'private')).toEqual([{ type: 'private', id: 41, from: 1, to: 2, content: 'hi', timestamp: 1234 }]);
  });

  it('acks with client_id null when the frame had none', async () => {
    h = createHarness({ options: { now: clock } });
    const a = h.connect(1);
    a.receive({ type: 'private', to: 2, content: 'hi' });
    expect(await nextFrame(a, 'ack')).toEqual({ type: 'ack', client_id: null, id: 1, timestamp: T0 });
  });

  it("reaches every connection of the recipient and the sender's other connections, not the sending one", async () => {
    h = createHarness({ options: { now: clock } });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const a3 = h.connect(1);
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    const c = h.connect(3);
    a1.receive({ type: 'private', to: 2, content: 'hi', client_id: 'x' });
    await nextFrame(a1, 'ack');
    await settle();
    const frame = { type: 'private', id: 1, from: 1, to: 2, content: 'hi', timestamp: T0 };
    for (const s of [a2, a3, b1, b2]) expect(framesOf(s, 'private')).toEqual([frame]);
    expect(framesOf(a1, 'private')).toEqual([]);
    expect(framesAfterWelcome(c)).toEqual([]);
  });

  it('sends a message to oneself once to each of my other connections', async () => {
    h = createHarness({ options: { now: clock } });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    a1.receive({ type: 'private', to: 1, content: 'note to self' });
    await nextFrame(a1, 'ack');
    await settle();
    expect(framesOf(a2, 'private')).toHaveLength(1);
    expect(framesOf(a1, 'private')).toEqual([]);
  });

  it('acks a duplicate client_id with the same id and does not route it again', async () => {
    h = createHarness({ options: { now: clock } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'same' });
    await vi.waitFor(() => expect(framesOf(a, 'ack')).toHaveLength(1));
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'same' });
    await vi.waitFor(() => expect(framesOf(a, 'ack')).toHaveLength(2));
    await settle();
    const [first, second] = framesOf(a, 'ack');
    expect(second).toEqual(first);
    expect(h.persister.messages).toHaveLength(1);
    expect(framesOf(b, 'private')).toHaveLength(1);
  });
});

describe('Manager: group messages', () => {
  const groups = { 7: { accepted: [1, 2, 3], invited: [4] } };

  it('reaches every accepted member connection except the sending one; invited users get nothing', async () => {
    h = createHarness({ groups, options: { now: clock } });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const b = h.connect(2);
    const c = h.connect(3);
    const invited = h.connect(4);
    const stranger = h.connect(5);
    a1.receive({ type: 'group', group_id: 7, content: 'hey all', client_id: 'g1' });
    expect(await nextFrame(a1, 'ack')).toEqual({ type: 'ack', client_id: 'g1', id: 1, timestamp: T0 });
    await settle();
    const frame = { type: 'group', id: 1, from: 1, group_id: 7, content: 'hey all', timestamp: T0 };
    for (const s of [a2, b, c]) expect(framesOf(s, 'group')).toEqual([frame]);
    expect(framesOf(a1, 'group')).toEqual([]);
    expect(framesAfterWelcome(invited)).toEqual([]);
    expect(framesAfterWelcome(stranger)).toEqual([]);
    expect(h.persister.saveGroup).toHaveBeenCalledWith({ from: 1, groupId: 7, content: 'hey all', clientId: 'g1' });
  });

  it('accepts group_id as a numeric string and sends it back as a number', async () => {
    h = createHarness({ groups, options: { now: clock } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'group', group_id: '7', content: 'hi' });
    expect(await nextFrame(b, 'group')).toEqual({ type: 'group', id: 1, from: 1, group_id: 7, content: 'hi', timestamp: T0 });
    expect(h.groups.acceptedMembers).toHaveBeenCalledWith(7);
  });

  it('answers forbidden to a non-member and does not store', async () => {
    h = createHarness({ groups });
    const outsider = h.connect(4);
    const b = h.connect(2);
    outsider.receive({ type: 'group', group_id: 7, content: 'let me in', client_id: 'n1' });
    const err = await nextFrame(outsider, 'error');
    expect(err).toMatchObject({ type: 'error', code: 'forbidden', client_id: 'n1' });
    await settle();
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
    expect(framesAfterWelcome(b)).toEqual([]);
    expect(framesOf(outsider, 'ack')).toEqual([]);
  });

  it('answers not_found for a group that does not exist', async () => {
    h = createHarness({ groups });
    const a = h.connect(1);
    a.receive({ type: 'group', group_id: 99, content: 'anyone?' });
    expect(await nextFrame(a, 'error')).toMatchObject({ type: 'error', code: 'not_found' });
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
  });

  it('acks a duplicate group client_id with the same id and routes it once', async () => {
    h = createHarness({ groups });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'group', group_id: 7, content: 'x', client_id: 'dup' });
    await vi.waitFor(() => expect(framesOf(a, 'ack')).toHaveLength(1));
    a.receive({ type: 'group', group_id: 7, content: 'x', client_id: 'dup' });
    await vi.waitFor(() => expect(framesOf(a, 'ack')).toHaveLength(2));
    await settle();
    expect(framesOf(a, 'ack')[1]!.id).toBe(framesOf(a, 'ack')[0]!.id);
    expect(framesOf(b, 'group')).toHaveLength(1);
  });

  it('routes group messages the host sends with routeGroup to the given members', async () => {
    h = createHarness({ groups });
    const b = h.connect(2);
    const m: GroupMessage = { id: 9, from: 1, group_id: 7, content: 'from REST', timestamp: 3 };
    h.manager.routeGroup(m, [1, 2, 3]);
    expect(framesOf(b, 'group')).toEqual([{ type: 'group', ...m }]);
  });
});

describe('Manager: broadcast', () => {
  it('lets an admin reach every connection, its own included', async () => {
    h = createHarness({ options: { now: clock, isAdmin: (id) => id.userId === 1 } });
    const admin = h.connect(1);
    const others = [h.connect(2), h.connect(2), h.connect(3)];
    admin.receive({ type: 'broadcast', content: 'maintenance at noon' });
    const frame = { type: 'broadcast', from: 1, content: 'maintenance at noon', timestamp: T0 };
    expect(await nextFrame(admin, 'broadcast')).toEqual(frame);
    for (const s of others) expect(framesOf(s, 'broadcast')).toEqual([frame]);
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
  });

  it('answers forbidden to a non-admin and nobody receives anything', async () => {
    h = createHarness({ options: { isAdmin: (id) => id.userId === 1 } });
    const admin = h.connect(1);
    const user = h.connect(2);
    const other = h.connect(3);
    user.receive({ type: 'broadcast', content: 'spam' });
    expect(await nextFrame(user, 'error')).toMatchObject({ type: 'error', code: 'forbidden' });
    await settle();
    expect(framesOf(user, 'broadcast')).toEqual([]);
    expect(framesAfterWelcome(admin)).toEqual([]);
    expect(framesAfterWelcome(other)).toEqual([]);
  });

  it('lets nobody broadcast by default', async () => {
    h = createHarness();
    const a = h.connect(1);
    a.receive({ type: 'broadcast', content: 'hi' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden' });
  });

  it('broadcastToAll returns the number of connections reached', () => {
    h = createHarness();
    h.connect(1);
    h.connect(1);
    h.connect(2);
    expect(h.manager.broadcastToAll('broadcast', { from: 0, content: 'x', timestamp: 1 })).toBe(3);
  });
});

describe('Manager: notify()', () => {
  it('stores the notification first, then sends it to every connection of that user only', async () => {
    h = createHarness({ options: { now: clock } });
    const write = deferred<void>();
    const original = h.persister.saveNotification.getMockImplementation()!;
    h.persister.saveNotification.mockImplementationOnce(async (...args) => {
      await write.promise;
      return original(...args);
    });
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    const c = h.connect(3);
    const pending = h.manager.notify(2, 'group_invite', 'alice invited you to "books"', { group_id: 7, from: 1 });
    await settle();
    expect(h.persister.saveNotification).toHaveBeenCalledWith(2, 'group_invite', 'alice invited you to "books"', {
      group_id: 7,
      from: 1,
    });
    expect(framesAfterWelcome(b1)).toEqual([]);

    write.resolve();
    const n = await pending;
    const frame = {
      type: 'notification',
      id: 1,
      subtype: 'group_invite',
      message: 'alice invited you to "books"',
      timestamp: T0,
      group_id: 7,
      from: 1,
    };
    expect(n).toEqual({ id: 1, subtype: 'group_invite', message: 'alice invited you to "books"', timestamp: T0, group_id: 7, from: 1 });
    expect(framesOf(b1, 'notification')).toEqual([frame]);
    expect(framesOf(b2, 'notification')).toEqual([frame]);
    expect(framesAfterWelcome(c)).toEqual([]);
  });

  it('sends nothing when the store fails, and rejects', async () => {
    h = createHarness();
    const b = h.connect(2);
    h.persister.saveNotification.mockRejectedValueOnce(new Error('db down'));
    await expect(h.manager.notify(2, 'x', 'y')).rejects.toThrow('db down');
    await settle();
    expect(framesAfterWelcome(b)).toEqual([]);
  });
});

describe('Manager: host API', () => {
  it('sendToUser reaches every connection of one user', async () => {
    h = createHarness();
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    const c = h.connect(3);
    h.manager.sendToUser(2, 'presence', { user_id: 9, online: true });
    for (const s of [b1, b2]) expect(framesOf(s, 'presence')).toEqual([{ type: 'presence', user_id: 9, online: true }]);
    expect(framesAfterWelcome(c)).toEqual([]);
  });

  it('broadcastToGroup reaches accepted members, and rejects for an unknown group', async () => {
    h = createHarness({ groups: { 7: { accepted: [2], invited: [3] } } });
    const b = h.connect(2);
    const c = h.connect(3);
    await h.manager.broadcastToGroup(7, 'broadcast', { from: 0, content: 'x', timestamp: 1 });
    expect(framesOf(b, 'broadcast')).toHaveLength(1);
    expect(framesAfterWelcome(c)).toEqual([]);
    await expect(h.manager.broadcastToGroup(8, 'broadcast', { from: 0, content: 'x', timestamp: 1 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

});
