import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  connectAll,
  connectClient,
  createGroup,
  expectFrameCount,
  expectNoFrame,
  registerUsers,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/server.js';

/** Receipts, sync and presence: what a user learns about other users and about missed messages. */
describe('delivery over WebSocket', () => {
  let server: TestServer;
  const users = <N extends number>(n: N) => registerUsers(server, n);
  const sendPrivate = async (from: TestUser, to: TestUser, content: string) =>
    (await server.http.post('/api/messages/private').set('cookie', from.cookie).send({ to: to.id, content }).expect(201)).body;
  const sendGroup = async (from: TestUser, groupId: number, content: string) =>
    (await server.http.post('/api/messages/group').set('cookie', from.cookie).send({ group_id: groupId, content }).expect(201)).body;
  const receipt = (messageId: number, status: string, userId: number) => ({
    type: 'receipt',
    message_id: messageId,
    status,
    user_id: userId,
    timestamp: expect.any(Number),
  });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  describe('receipts', () => {
    it('delivered: once, to every connection of the sender, when the recipient is online', async () => {
      const [alice, bob] = await users(2);
      // Bob has written to Alice: he accepted the conversation, so receipts flow (test/integration/consent.test.ts).
      await sendPrivate(bob, alice, 'hello');
      const [a1, a2, b1, b2] = await connectAll(server, [alice, alice, bob, bob]);
      a1.send({ type: 'private', to: bob.id, content: 'are you there?', client_id: 'd-1' });
      const ack = await a1.next('ack');
      for (const s of [a1, a2]) expect(await s.next('receipt')).toEqual(receipt(ack.id, 'delivered', bob.id));
      await expectFrameCount(a1, 'receipt', 1);
      await expectFrameCount(a2, 'receipt', 1, 0);
      await expectNoFrame(b1, 'receipt', 0);
      await expectNoFrame(b2, 'receipt', 0);
    });

    it('delivered for an offline recipient only once it connects and syncs', async () => {
      const [alice, carol] = await users(2);
      await sendPrivate(carol, alice, 'hello');
      const a1 = await connectClient(server, alice.cookie);
      a1.send({ type: 'private', to: carol.id, content: 'for later', client_id: 'off-1' });
      const ack = await a1.next('ack');
      await expectNoFrame(a1, 'receipt');

      const c1 = await connectClient(server, carol.cookie);
      await expectNoFrame(a1, 'receipt', 100);
      c1.send({ type: 'sync', since: 0 });
      expect(await c1.next('private', (f) => f.id === ack.id)).toMatchObject({ content: 'for later' });
      expect(await a1.next('receipt')).toEqual(receipt(ack.id, 'delivered', carol.id));
      await c1.next('synced');
      // A second replay delivers nothing new.
      c1.send({ type: 'sync', since: 0 });
      await c1.next('synced');
      await expectFrameCount(a1, 'receipt', 1);
    });

    it('none for a message to oneself', async () => {
      const [alice] = await users(1);
      const [a1, a2] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, alice.cookie)]);
      a1.send({ type: 'private', to: alice.id, content: 'memo' });
      const ack = await a1.next('ack');
      await a2.next('private', (f) => f.id === ack.id);
      await expectNoFrame(a1, 'receipt');
      await expectNoFrame(a2, 'receipt', 0);
    });

    it('read: to the sender\'s connections and the reader\'s other ones; earlier messages count as read too', async () => {
      const [alice, bob] = await users(2);
      await sendPrivate(bob, alice, 'hello');
      const first = await sendPrivate(alice, bob, 'one');
      const second = await sendPrivate(alice, bob, 'two');
      const [a1, a2, b1, b2] = await connectAll(server, [alice, alice, bob, bob]);
      b1.send({ type: 'read', message_id: second.id });
      for (const s of [a1, a2, b2]) expect(await s.next('receipt', (f) => f.status === 'read')).toEqual(receipt(second.id, 'read', bob.id));
      await expectNoFrame(b1, 'receipt', 100);
      const convs = (await server.http.get('/api/conversations').set('cookie', bob.cookie).expect(200)).body.conversations;
      // `first` was read along with `second`: nothing is left unread.
      expect(first.id).toBeLessThan(second.id);
      expect(convs).toEqual([expect.objectContaining({ kind: 'private', user_id: alice.id, unread: 0 })]);
    });

    it('read: not_found for a message that is not a private message to the reader', async () => {
      const [alice, bob, eve] = await users(3);
      const m = await sendPrivate(alice, bob, 'for bob only');
      const e1 = await connectClient(server, eve.cookie);
      e1.send({ type: 'read', message_id: m.id });
      expect(await e1.next('error')).toMatchObject({ code: 'not_found' });
      e1.send({ type: 'read', message_id: 999999 });
      expect(await e1.next('error')).toMatchObject({ code: 'not_found' });
    });

    it('group read moves the reader\'s marker: a receipt to the reader\'s other connections only; forbidden for non-members', async () => {
      const [alice, bob, eve] = await users(3);
      const groupId = await createGroup(server, alice, [bob]);
      const m = await sendGroup(alice, groupId, 'news');
      const [a1, b1, b2, e1] = await connectAll(server, [alice, bob, bob, eve]);
      b1.send({ type: 'read', group_id: groupId, message_id: m.id });
      expect(await b2.next('receipt')).toEqual({ ...receipt(m.id, 'read', bob.id), group_id: groupId });
      await expectNoFrame(a1, 'receipt', 100);
      e1.send({ type: 'read', group_id: groupId, message_id: m.id });
      expect(await e1.next('error')).toMatchObject({ code: 'forbidden' });
    });
  });

  describe('sync', () => {
    it('replays, in id order, every message the user may see with a larger id (own sent ones included), then synced', async () => {
      const [sam, alice, bob] = await users(3);
      const joined = await createGroup(server, alice, [sam]);
      const onlyInvited = await createGroup(server, alice, [], [sam]);
      const m1 = await sendPrivate(alice, sam, 'to sam');
      const m2 = await sendPrivate(sam, alice, 'from sam');
      await sendGroup(alice, onlyInvited, 'not for invitees');
      await sendPrivate(alice, bob, 'not sam\'s business');
      const m3 = await sendGroup(alice, joined, 'group news');
      const m4 = await sendPrivate(sam, sam, 'note to self');

      const s1 = await connectClient(server, sam.cookie);
      s1.send({ type: 'sync', since: 0 });
      const synced = await s1.next('synced');
      expect(synced).toEqual({ type: 'synced', last_id: m4.id });
      const replayed = s1.frames.filter((f) => f.type === 'private' || f.type === 'group');
      // Marked as replayed: in id order with nothing skipped, so a safe `since` if the replay is cut off.
      expect(replayed).toEqual([
        { type: 'private', ...m1, replayed: true },
        { type: 'private', ...m2, replayed: true },
        { type: 'group', ...m3, replayed: true },
        { type: 'private', ...m4, replayed: true },
      ]);
      // The replay came before `synced`.
      expect(s1.frames.indexOf(synced)).toBeGreaterThan(s1.frames.indexOf(replayed[3]!));

      const s2 = await connectClient(server, sam.cookie);
      s2.send({ type: 'sync', since: m2.id });
      expect(await s2.next('synced')).toEqual({ type: 'synced', last_id: m4.id });
      expect(s2.frames.filter((f) => f.type === 'private' || f.type === 'group').map((f) => f.id)).toEqual([m3.id, m4.id]);

      s2.send({ type: 'sync', since: m4.id });
      expect(await s2.next('synced')).toEqual({ type: 'synced', last_id: m4.id });
    });
  });

  describe('presence', () => {
    it('online when the first connection opens and offline when the last closes, to contacts only', async () => {
      const [alice, bob, mate, invitee, stranger] = await users(5);
      await sendPrivate(alice, bob, 'hi');
      await sendPrivate(bob, alice, 'hi back');
      await createGroup(server, alice, [mate], [invitee]);
      const [a1, a2, s1] = await connectAll(server, [alice, alice, stranger]);
      const about = (user: TestUser) => (f: Record<string, any>) => f.user_id === user.id;

      const b1 = await connectClient(server, bob.cookie);
      for (const s of [a1, a2]) expect(await s.next('presence', about(bob))).toEqual({ type: 'presence', user_id: bob.id, online: true });
      const b2 = await connectClient(server, bob.cookie);
      b1.ws.close();
      await expectFrameCount(a1, 'presence', 1, 150, about(bob));
      b2.ws.close();
      expect(await a1.next('presence', about(bob))).toEqual({ type: 'presence', user_id: bob.id, online: false });

      await connectClient(server, mate.cookie);
      expect(await a1.next('presence', about(mate))).toEqual({ type: 'presence', user_id: mate.id, online: true });
      await connectClient(server, invitee.cookie);
      await expectNoFrame(a1, 'presence', 150, about(invitee));
      await expectNoFrame(s1, 'presence', 0);
    });

    it('tells the user\'s contacts, not the user', async () => {
      const [alice, bob] = await users(2);
      await sendPrivate(alice, bob, 'hi');
      await sendPrivate(bob, alice, 'hi back');
      const a1 = await connectClient(server, alice.cookie);
      await connectClient(server, alice.cookie);
      await expectNoFrame(a1, 'presence');
    });
  });
});
