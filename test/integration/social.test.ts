import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  connectAll,
  connectClient,
  createGroup,
  expectFrameCount,
  registerUser,
  registerUsers,
  startTestServer,
  type TestClient,
  type TestServer,
  type TestUser,
} from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });

describe('conversations and online contacts', () => {
  let server: TestServer;

  const sendPrivate = async (from: TestUser, to: TestUser, content: string) =>
    (await server.http.post('/api/messages/private').set('cookie', from.cookie).send({ to: to.id, content }).expect(201)).body;
  const sendGroup = async (from: TestUser, groupId: number, content: string) =>
    (await server.http.post('/api/messages/group').set('cookie', from.cookie).send({ group_id: groupId, content }).expect(201)).body;
  const conversations = async (user: TestUser) =>
    (await server.http.get('/api/conversations').set('cookie', user.cookie).expect(200)).body.conversations;
  const online = async (user: TestUser) => (await server.http.get('/api/users/online').set('cookie', user.cookie).expect(200)).body;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  it('GET /api/conversations: private and group entries with last_message and unread, most recent first', async () => {
    const [alice, bob, carol] = await registerUsers(server, 3);
    expect(await conversations(alice)).toEqual([]);
    const groupId = await createGroup(server, alice, [bob]);
    await sendPrivate(bob, alice, 'p1');
    const p2 = await sendPrivate(bob, alice, 'p2');
    await sendGroup(alice, groupId, 'mine does not count');
    const g1 = await sendGroup(bob, groupId, 'g1');
    const c1 = await sendPrivate(carol, alice, 'c1');

    expect(await conversations(alice)).toEqual([
      // Carol shares no group with Alice, who has not answered: a message request. Bob is a group mate: none.
      { kind: 'private', user_id: carol.id, last_message: c1, unread: 1, request: true },
      { kind: 'group', group_id: groupId, last_message: g1, unread: 1 },
      { kind: 'private', user_id: bob.id, last_message: expect.objectContaining(p2), unread: 2 },
    ]);
    // Bob's view: his own messages are never unread.
    expect(await conversations(bob)).toEqual([
      { kind: 'group', group_id: groupId, last_message: g1, unread: 1 },
      { kind: 'private', user_id: alice.id, last_message: expect.objectContaining(p2), unread: 0 },
    ]);

    // `read` frames move the markers; the unread counts follow.
    const [reader, otherTab] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, alice.cookie)]);
    reader.send({ type: 'read', message_id: p2.id });
    await otherTab.next('receipt', (f) => f.status === 'read' && f.message_id === p2.id);
    reader.send({ type: 'read', group_id: groupId, message_id: g1.id });
    await otherTab.next('receipt', (f) => f.group_id === groupId);
    expect((await conversations(alice)).map((c: { unread: number }) => c.unread)).toEqual([1, 0, 0]);

    // A new message moves its conversation to the top.
    const p3 = await sendPrivate(alice, bob, 'p3');
    expect((await conversations(alice))[0]).toEqual({ kind: 'private', user_id: bob.id, last_message: expect.objectContaining(p3), unread: 0 });
  });

  it('GET /api/users/online: only online contacts, not online strangers nor mere invitees', async () => {
    const [me, friend, groupMate, invitee, stranger, offlineFriend] = await registerUsers(server, 6);
    await sendPrivate(friend, me, 'hi');
    await sendPrivate(me, friend, 'hi back');
    await sendPrivate(me, offlineFriend, 'hi');
    await sendPrivate(offlineFriend, me, 'hi back');
    await sendPrivate(me, me, 'a note to self does not make me my own contact');
    await createGroup(server, me, [groupMate], [invitee]);
    const mySocket = await connectClient(server, me.cookie);
    const sockets = new Map<TestUser, TestClient>();
    for (const user of [friend, groupMate, invitee, stranger]) sockets.set(user, await connectClient(server, user.cookie));

    expect((await online(me)).users.sort()).toEqual([friend.id, groupMate.id].sort());
    expect(await online(stranger)).toEqual({ users: [] });

    sockets.get(friend)!.ws.close();
    await mySocket.next('presence', (f) => f.user_id === friend.id && f.online === false);
    expect(await online(me)).toEqual({ users: [groupMate.id] });
  });
});

describe('broadcast', () => {
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let sockets: TestClient[];

  beforeAll(async () => {
    server = await startTestServer({ ADMIN_USERS: 'someone, chief' });
    [admin, alice, bob] = await Promise.all([registerUser(server, 'chief'), registerUser(server), registerUser(server)]);
    sockets = await connectAll(server, [admin, alice, alice, bob]);
  });
  afterAll(closeAll);

  it('non-admin POST /api/broadcast: 403, nobody receives anything', async () => {
    const res = await server.http.post('/api/broadcast').set('cookie', alice.cookie).send({ content: 'spam' }).expect(403);
    expect(res.body).toEqual(error('forbidden'));
    for (const s of sockets) await expectFrameCount(s, 'broadcast', 0, 0);
  });

  it('a `broadcast` frame from a non-admin: error forbidden on that connection, nobody receives anything', async () => {
    const [, aliceTab] = sockets;
    aliceTab!.send({ type: 'broadcast', content: 'spam' });
    expect(await aliceTab!.next('error')).toEqual({ type: 'error', code: 'forbidden', message: expect.any(String) });
    for (const s of sockets) await expectFrameCount(s, 'broadcast', 0, 0);
  });

  it('admin POST /api/broadcast: 202 {delivered: open connections}; every socket receives it', async () => {
    const res = await server.http.post('/api/broadcast').set('cookie', admin.cookie).send({ content: 'maintenance at noon' }).expect(202);
    expect(res.body).toEqual({ delivered: 4 });
    for (const s of sockets) {
      expect(await s.next('broadcast')).toEqual({ type: 'broadcast', from: admin.id, content: 'maintenance at noon', timestamp: expect.any(Number) });
    }
  });

  it('admin `broadcast` frame reaches every connection', async () => {
    sockets[0]!.send({ type: 'broadcast', content: 'over the socket' });
    for (const s of sockets) expect(await s.next('broadcast', (f) => f.content === 'over the socket')).toMatchObject({ from: admin.id });
  });

  it('is not stored: a socket opened afterwards gets none, not even through sync', async () => {
    const late = await connectClient(server, bob.cookie);
    late.send({ type: 'sync', since: 0 });
    expect(await late.next('synced')).toEqual({ type: 'synced', last_id: 0 });
    expect(late.all('broadcast')).toEqual([]);
    const history = await server.http.get(`/api/messages/private?user=${admin.id}`).set('cookie', bob.cookie).expect(200);
    expect(history.body.messages).toEqual([]);
  });

  it('400 for an admin with a bad body', async () => {
    for (const body of [{}, { content: '  ' }, { content: 'x'.repeat(4001) }]) {
      expect((await server.http.post('/api/broadcast').set('cookie', admin.cookie).send(body).expect(400)).body).toEqual(error('bad_request'));
    }
  });
});
