/**
 * Consent and safety (contract section 6), on a real server with real
 * sockets and SQLite: message requests (a stranger learns nothing of the
 * recipient before the reply) and blocking (refused, nothing stored, no
 * presence or typing either way; group messages unchanged; kept across a
 * restart). The same rules across instances: test/integration/scale-out-consent.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/websocket/message-policy.js';
import {
  closeAll,
  connectAll,
  connectClient,
  createGroup,
  expectFrameCount,
  expectNoFrame,
  login,
  registerUsers,
  startTestServer,
  stopTestServer,
  tempDir,
  type HttpTarget,
  type TestClient,
  type TestServer,
  type TestUser,
} from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });
const about = (user: TestUser) => (f: Record<string, any>) => f.user_id === user.id;

describe('message requests and blocking', () => {
  let server: TestServer;
  const policyCalls: PolicyInput[] = [];

  const sendPrivate = async (from: TestUser, to: TestUser, content: string, status = 201) =>
    (await server.http.post('/api/messages/private').set('cookie', from.cookie).send({ to: to.id, content }).expect(status)).body;
  const history = async (user: TestUser, peer: TestUser) =>
    (await server.http.get(`/api/messages/private?user=${peer.id}`).set('cookie', user.cookie).expect(200)).body.messages;
  const conversations = async (user: TestUser) =>
    (await server.http.get('/api/conversations').set('cookie', user.cookie).expect(200)).body.conversations;
  const online = async (user: TestUser) => (await server.http.get('/api/users/online').set('cookie', user.cookie).expect(200)).body.users;
  const block = (target: HttpTarget, user: TestUser, peer: TestUser) => target.http.post(`/api/users/${peer.id}/block`).set('cookie', user.cookie);
  const unblock = (target: HttpTarget, user: TestUser, peer: TestUser) => target.http.delete(`/api/users/${peer.id}/block`).set('cookie', user.cookie);

  beforeAll(async () => {
    server = await startTestServer(
      {},
      {
        manager: {
          typingTimeoutMs: 60_000,
          messagePolicy: { check: (input) => (policyCalls.push(input), { allow: true }) },
        },
      },
    );
  });
  afterAll(closeAll);

  describe('message requests', () => {
    it("a stranger's messages arrive, but the stranger gets no presence, typing, delivered or read before the reply", async () => {
      const [stranger, me] = await registerUsers(server, 2);
      const [s1, m1] = await connectAll(server, [stranger, me]);
      s1.send({ type: 'private', to: me.id, content: 'hello, we have not met', client_id: 'req-1' });
      const ack = await s1.next('ack');
      expect(await m1.next('private')).toMatchObject({ id: ack.id, from: stranger.id, content: 'hello, we have not met' });

      // The recipient reads it, types, comes and goes: the stranger hears none of it.
      m1.send({ type: 'read', message_id: ack.id });
      m1.send({ type: 'typing', to: stranger.id, is_typing: true });
      const m2 = await connectClient(server, me.cookie);
      m1.ws.close();
      await m1.closed;
      expect(await online(stranger)).toEqual([]);
      await expectNoFrame(s1, 'receipt', 150);
      await expectNoFrame(s1, 'typing', 0);
      await expectNoFrame(s1, 'presence', 0);
      // ... and the recipient does not count the stranger as a contact either.
      expect(await online(me)).toEqual([]);
      expect(await conversations(me)).toEqual([expect.objectContaining({ kind: 'private', user_id: stranger.id, request: true })]);
      expect(await conversations(stranger)).toEqual([expect.not.objectContaining({ request: true })]);
      // Nor from history: the stranger's message stays `sent` there, though it was delivered and read.
      expect((await history(stranger, me)).map((m: { status: string }) => m.status)).toEqual(['sent']);
      expect((await history(me, stranger)).map((m: { status: string }) => m.status)).toEqual(['read']);

      // The reply accepts: each learns the other is online at once, then typing and receipts flow.
      m2.send({ type: 'private', to: stranger.id, content: 'hi, who are you?', client_id: 'reply-1' });
      const reply = await m2.next('ack');
      expect(await s1.next('presence', about(me))).toEqual({ type: 'presence', user_id: me.id, online: true });
      expect(await m2.next('presence', about(stranger))).toEqual({ type: 'presence', user_id: stranger.id, online: true });
      await s1.next('private', (f) => f.id === reply.id);
      m2.send({ type: 'typing', to: stranger.id, is_typing: true });
      expect(await s1.next('typing')).toEqual({ type: 'typing', from: me.id, to: stranger.id, is_typing: true });
      m2.send({ type: 'read', message_id: ack.id });
      expect(await s1.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: ack.id, user_id: me.id });
      expect((await history(stranger, me)).find((m: { id: number }) => m.id === ack.id)).toMatchObject({ status: 'read' });
      s1.send({ type: 'private', to: me.id, content: 'an old friend', client_id: 'req-2' });
      const second = await s1.next('ack');
      expect(await s1.next('receipt', (f) => f.status === 'delivered')).toMatchObject({ message_id: second.id, user_id: me.id });
      expect(await online(stranger)).toEqual([me.id]);
      expect(await conversations(me)).toEqual([expect.not.objectContaining({ request: true })]);
    });

    it('a request replayed by sync is marked delivered but tells the stranger nothing; after the reply, replays do', async () => {
      const [stranger, me] = await registerUsers(server, 2);
      const s1 = await connectClient(server, stranger.cookie);
      const first = await sendPrivate(stranger, me, 'while you were away');
      const m1 = await connectClient(server, me.cookie);
      m1.send({ type: 'sync', since: 0 });
      await m1.next('private', (f) => f.id === first.id);
      await m1.next('synced');
      await expectNoFrame(s1, 'receipt', 200);
      expect(await history(stranger, me)).toEqual([expect.objectContaining({ id: first.id, status: 'sent' })]);

      m1.send({ type: 'private', to: stranger.id, content: 'back now', client_id: 'back' });
      await m1.next('ack');
      m1.ws.close();
      await m1.closed;
      const second = await sendPrivate(stranger, me, 'great');
      const m2 = await connectClient(server, me.cookie);
      m2.send({ type: 'sync', since: first.id });
      await m2.next('private', (f) => f.id === second.id);
      expect(await s1.next('receipt')).toMatchObject({ message_id: second.id, status: 'delivered', user_id: me.id });
    });

    it('a stranger sees no presence before the reply and does after, on the next change too', async () => {
      const [stranger, me] = await registerUsers(server, 2);
      const s1 = await connectClient(server, stranger.cookie);
      await sendPrivate(stranger, me, 'hello?');
      const m1 = await connectClient(server, me.cookie);
      m1.ws.close();
      await expectNoFrame(s1, 'presence', 200, about(me));

      await sendPrivate(me, stranger, 'hello back');
      await connectClient(server, me.cookie);
      expect(await s1.next('presence', about(me))).toEqual({ type: 'presence', user_id: me.id, online: true });
    });

    it('a group mate is no stranger: typing and receipts flow before any reply, and the conversation is no request', async () => {
      const [mate, me] = await registerUsers(server, 2);
      await createGroup(server, mate, [me]);
      const [g1, m1] = await connectAll(server, [mate, me]);
      g1.send({ type: 'private', to: me.id, content: 'hi from the book club', client_id: 'mate-1' });
      const ack = await g1.next('ack');
      expect(await g1.next('receipt', (f) => f.status === 'delivered')).toMatchObject({ message_id: ack.id, user_id: me.id });
      m1.send({ type: 'typing', to: mate.id, is_typing: true });
      expect(await g1.next('typing')).toMatchObject({ from: me.id, is_typing: true });
      const [conversation, ...rest] = await conversations(me);
      expect(rest).toEqual([]); // the group has no message yet
      expect(conversation).toMatchObject({ kind: 'private', user_id: mate.id, unread: 1 });
      expect(conversation).not.toHaveProperty('request');
    });
  });

  describe('blocking', () => {
    it('POST/DELETE /api/users/:id/block and GET /api/users/blocked; bad input is a 4xx', async () => {
      const [me, pest, other] = await registerUsers(server, 3);
      expect((await block(server, me, pest).expect(201)).body).toEqual({ user_id: pest.id, blocked: true });
      expect((await block(server, me, pest).expect(200)).body).toEqual({ user_id: pest.id, blocked: true });
      await block(server, me, other).expect(201);
      const listed = (await server.http.get('/api/users/blocked').set('cookie', me.cookie).expect(200)).body.users;
      expect(listed.map((b: { user_id: number }) => b.user_id).sort()).toEqual([pest.id, other.id].sort());
      expect(listed[0]).toEqual({ user_id: expect.any(Number), since: expect.any(Number) });
      expect((await unblock(server, me, other).expect(200)).body).toEqual({ user_id: other.id, blocked: false });
      await unblock(server, me, other).expect(200);
      expect((await server.http.get('/api/users/blocked').set('cookie', pest.cookie).expect(200)).body).toEqual({ users: [] });

      expect((await block(server, me, me).expect(400)).body).toEqual(error('bad_request'));
      // Not digits: not Parlor's path, so it falls through to the standalone server's JSON 404.
      expect((await server.http.post('/api/users/abc/block').set('cookie', me.cookie).expect(404)).body).toEqual(error('not_found'));
      expect((await server.http.post('/api/users/1234567890123456/block').set('cookie', me.cookie).expect(400)).body).toEqual(error('bad_request'));
      expect((await server.http.post('/api/users/0/block').set('cookie', me.cookie).expect(400)).body).toEqual(error('bad_request'));
      expect((await server.http.post('/api/users/2000000000/block').set('cookie', me.cookie).expect(404)).body).toEqual(error('not_found'));
      expect((await server.http.post(`/api/users/${pest.id}/block`).expect(401)).body).toEqual(error('unauthorized'));
      expect((await server.http.get('/api/users/blocked').expect(401)).body).toEqual(error('unauthorized'));
    });

    it("a blocked user's private messages and invitations are refused (forbidden, nothing stored), before the host's policy", async () => {
      const [me, pest] = await registerUsers(server, 2);
      await sendPrivate(pest, me, 'before the block');
      await block(server, me, pest).expect(201);
      const [p1, m1] = await connectAll(server, [pest, me]);
      policyCalls.length = 0;

      p1.send({ type: 'private', to: me.id, content: 'over the socket', client_id: 'blocked-1' });
      expect(await p1.next('error')).toEqual({ type: 'error', code: 'forbidden', message: expect.any(String), client_id: 'blocked-1' });
      expect((await sendPrivate(pest, me, 'over HTTP', 403))).toEqual(error('forbidden'));
      // Nor may the blocker write to the user they block (unblock first).
      expect((await sendPrivate(me, pest, 'from me', 403))).toEqual(error('forbidden'));
      const groupId = await createGroup(server, pest);
      const invite = await server.http.post('/api/groups/invite').set('cookie', pest.cookie).send({ group_id: groupId, user_id: me.id }).expect(403);
      expect(invite.body).toEqual(error('forbidden'));

      expect(policyCalls).toEqual([]);
      await expectNoFrame(m1, 'private', 100);
      await expectNoFrame(m1, 'notification', 0);
      expect((await history(me, pest)).map((m: { content: string }) => m.content)).toEqual(['before the block']);
      expect((await server.http.get('/api/groups').set('cookie', me.cookie).expect(200)).body.groups).toEqual([]);

      // Unblocking restores it.
      await unblock(server, me, pest).expect(200);
      await sendPrivate(pest, me, 'after the unblock');
      expect(await m1.next('private')).toMatchObject({ content: 'after the unblock' });
      expect(policyCalls).toHaveLength(1);
    });

    it('blocking a stranger, or unblocking one, tells neither anything: no presence frame', async () => {
      const [me, stranger] = await registerUsers(server, 2);
      await sendPrivate(stranger, me, 'hello?'); // a request, not answered: they are not contacts
      const m1 = await connectClient(server, me.cookie);
      const s1 = await connectClient(server, stranger.cookie);
      await block(server, me, stranger).expect(201);
      await unblock(server, me, stranger).expect(200);
      await expectNoFrame(m1, 'presence', 150);
      await expectNoFrame(s1, 'presence', 0);
    });

    it('a block in a conversation under way refuses the very next message; the unblock lets the next one through', async () => {
      // Both have written, twice: the store has their relation in memory (src/store/sqlite/relation-cache.ts).
      const [me, friend] = await registerUsers(server, 2);
      const [f1, m1] = await connectAll(server, [friend, me]);
      for (const [from, to, socket] of [[friend, me, m1], [me, friend, f1], [friend, me, m1], [me, friend, f1]] as const) {
        const sent = await sendPrivate(from, to, `from ${from.id}`);
        await socket.next('private', (f) => f.id === sent.id);
      }
      await block(server, me, friend).expect(201);
      f1.send({ type: 'private', to: me.id, content: 'right after the block', client_id: 'warm-1' });
      expect(await f1.next('error')).toEqual({ type: 'error', code: 'forbidden', message: expect.any(String), client_id: 'warm-1' });
      expect(await sendPrivate(me, friend, 'to the blocked', 403)).toEqual(error('forbidden'));
      await unblock(server, me, friend).expect(200);
      f1.send({ type: 'private', to: me.id, content: 'right after the unblock', client_id: 'warm-2' });
      expect(await m1.next('private', (f) => f.content === 'right after the unblock')).toMatchObject({ from: friend.id });
      expect((await history(me, friend)).map((m: { content: string }) => m.content)).not.toContain('right after the block');
    });

    it('a resend of a message stored before the block (its ack lost) is answered with that message, not refused; a new one is refused', async () => {
      const [sender, blocker] = await registerUsers(server, 2);
      const [s1, b1] = await connectAll(server, [sender, blocker]);
      s1.send({ type: 'private', to: blocker.id, content: 'sent before the block', client_id: 'before-block' });
      const ack = await s1.next('ack', (f) => f.client_id === 'before-block');
      await b1.next('private', (f) => f.id === ack.id);
      await block(server, blocker, sender).expect(201);

      // Over the socket and over REST alike: the stored message, as any resend; routed to nobody again.
      s1.send({ type: 'private', to: blocker.id, content: 'sent before the block', client_id: 'before-block' });
      expect(await s1.next('ack', (f) => f.client_id === 'before-block' && f !== ack)).toEqual(ack);
      const rest = await server.http.post('/api/messages/private').set('cookie', sender.cookie).send({ to: blocker.id, content: 'sent before the block', client_id: 'before-block' });
      expect(rest.status).toBe(201);
      expect(rest.body).toMatchObject({ id: ack.id, from: sender.id, to: blocker.id, content: 'sent before the block' });
      await expectFrameCount(b1, 'private', 1, 150, (f) => f.id === ack.id);

      s1.send({ type: 'private', to: blocker.id, content: 'after the block', client_id: 'after-block' });
      expect(await s1.next('error')).toEqual({ type: 'error', code: 'forbidden', message: expect.any(String), client_id: 'after-block' });
      expect((await history(blocker, sender)).map((m: { id: number }) => m.id)).toEqual([ack.id]);
      // Another sender's client_id names nothing of this sender's.
      const [other] = await registerUsers(server, 1);
      await block(server, blocker, other).expect(201);
      expect(await sendPrivate(other, blocker, 'not mine', 403)).toEqual(error('forbidden'));
      const [o1] = await connectAll(server, [other]);
      o1.send({ type: 'private', to: blocker.id, content: 'x', client_id: 'before-block' });
      expect(await o1.next('error')).toMatchObject({ code: 'forbidden', client_id: 'before-block' });
    });

    it('no presence or typing either way, in a shared group too; group messages there are unchanged', async () => {
      const [me, pest, other] = await registerUsers(server, 3);
      const groupId = await createGroup(server, me, [pest, other]);
      const third = await connectClient(server, other.cookie);
      const fromPest = await sendPrivate(pest, me, 'hi');
      await sendPrivate(me, pest, 'hi');
      const [m1, p1] = await connectAll(server, [me, pest]);
      await m1.next('presence', about(pest));
      const sorted = (ids: number[]) => [...ids].sort((x, y) => x - y);
      expect(sorted(await online(me))).toEqual(sorted([pest.id, other.id]));

      await block(server, me, pest).expect(201);
      const p1BeforeBlock = new Set(p1.frames);
      // Each saw the other online: the block retracts it both ways, as the other going offline.
      expect(await m1.next('presence', about(pest))).toEqual({ type: 'presence', user_id: pest.id, online: false });
      expect(await p1.next('presence', about(me))).toEqual({ type: 'presence', user_id: me.id, online: false });
      expect(await online(me)).toEqual([other.id]);
      expect(await online(pest)).toEqual([other.id]);
      m1.send({ type: 'typing', to: pest.id, is_typing: true });
      m1.send({ type: 'read', message_id: fromPest.id });
      p1.send({ type: 'typing', to: me.id, is_typing: true });
      const p2 = await connectClient(server, pest.cookie);
      const m2 = await connectClient(server, me.cookie);
      // Nothing of the blocker's typing or reading reaches the blocked user's sockets, old or new.
      // (Only `is_typing: true` counts: a stop may retract typing shown before a block.)
      const typingFromMe = (f: Record<string, any>) => f.from === me.id && f.is_typing === true;
      const readByMe = (f: Record<string, any>) => f.user_id === me.id && f.status === 'read';
      const sinceBlock = (where: (f: Record<string, any>) => boolean) => (f: Record<string, any>) => !p1BeforeBlock.has(f) && where(f);
      await expectNoFrame(p1, 'typing', 150, sinceBlock(typingFromMe));
      await expectNoFrame(p1, 'receipt', 0, sinceBlock(readByMe));
      await expectNoFrame(p2, 'typing', 0, typingFromMe);
      await expectNoFrame(p2, 'receipt', 0, readByMe);
      p1.ws.close();
      p2.ws.close();
      m2.ws.close();
      await Promise.all([p1.closed, p2.closed, m2.closed]);
      const p3 = await connectClient(server, pest.cookie);
      // Only the one from before the block and the block's own retraction.
      await expectFrameCount(m1, 'presence', 2, 150, about(pest));
      await expectNoFrame(m1, 'typing', 0);
      await expectNoFrame(p3, 'presence', 0);

      // Group typing in the group they share does not pass either way; the others still see it.
      p3.send({ type: 'typing', group_id: groupId, is_typing: true });
      m1.send({ type: 'typing', group_id: groupId, is_typing: true });
      expect(await third.next('typing', (f) => f.from === pest.id)).toMatchObject({ group_id: groupId });
      expect(await third.next('typing', (f) => f.from === me.id)).toMatchObject({ group_id: groupId });
      await expectNoFrame(m1, 'typing', 100);
      await expectNoFrame(p3, 'typing', 0);

      // Group messages in a group they share still reach both (documented).
      await server.http.post('/api/messages/group').set('cookie', pest.cookie).send({ group_id: groupId, content: 'to the group' }).expect(201);
      expect(await m1.next('group')).toMatchObject({ from: pest.id, content: 'to the group' });

      await unblock(server, me, pest).expect(200);
      // Contacts again (the group and the conversation): each online one hears of the other at once.
      expect(await m1.next('presence', about(pest))).toEqual({ type: 'presence', user_id: pest.id, online: true });
      expect(await p3.next('presence', about(me))).toEqual({ type: 'presence', user_id: me.id, online: true });
      expect(sorted(await online(me))).toEqual(sorted([pest.id, other.id]));
      p3.send({ type: 'typing', to: me.id, is_typing: true });
      expect(await m1.next('typing')).toMatchObject({ from: pest.id, is_typing: true });
    });
  });
});

describe('a block survives a restart', () => {
  afterAll(closeAll);

  it('is kept in the database', async () => {
    const dir = tempDir();
    const first = await startTestServer({}, { dir });
    const [me, pest] = await registerUsers(first, 2);
    await first.http.post(`/api/users/${pest.id}/block`).set('cookie', me.cookie).expect(201);
    await stopTestServer(first);

    const second = await startTestServer({}, { dir });
    const cookie = await login(second, pest);
    const refused = await second.http.post('/api/messages/private').set('cookie', cookie).send({ to: me.id, content: 'again' }).expect(403);
    expect(refused.body).toEqual(error('forbidden'));
    const socket: TestClient = await connectClient(second, cookie);
    socket.send({ type: 'private', to: me.id, content: 'again', client_id: 'r-1' });
    expect(await socket.next('error')).toMatchObject({ code: 'forbidden', client_id: 'r-1' });
  });
});
