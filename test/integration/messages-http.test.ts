import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  connectAll,
  connectClient,
  createGroup,
  expectFrameCount,
  expectNoFrame,
  registerUser,
  registerUsers,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });

describe('sending messages over HTTP', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  const send = (user: TestUser, kind: 'private' | 'group', body: unknown) =>
    server.http.post(`/api/messages/${kind}`).set('cookie', user.cookie).send(body as object);
  const history = (user: TestUser, query: string) => server.http.get(`/api/messages/${query}`).set('cookie', user.cookie).expect(200);

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, carol] = await registerUsers(server, 3);
  });
  afterAll(closeAll);

  describe('POST /api/messages/private', () => {
    it('201 with the message object, routed live to every socket of the recipient and of the sender', async () => {
      // Bob has written to Alice (accepted the conversation): his sockets produce `delivered` for her (contract section 6).
      await send(bob, 'private', { to: alice.id, content: 'hi alice' }).expect(201);
      const [a1, a2, b1, b2, c1] = await Promise.all([
        connectClient(server, alice.cookie),
        connectClient(server, alice.cookie),
        connectClient(server, bob.cookie),
        connectClient(server, bob.cookie),
        connectClient(server, carol.cookie),
      ]);
      const before = Date.now();
      const res = await send(alice, 'private', { to: bob.id, content: '  hello bob  ' }).expect(201);
      expect(res.body).toEqual({ id: expect.any(Number), from: alice.id, to: bob.id, content: 'hello bob', timestamp: expect.any(Number) });
      expect(res.body.timestamp).toBeGreaterThanOrEqual(before - 1);
      expect(res.body.timestamp).toBeLessThanOrEqual(Date.now() + 1);
      for (const socket of [a1, a2, b1, b2]) {
        expect(await socket.next('private')).toEqual({ type: 'private', ...res.body });
      }
      await expectNoFrame(c1, 'private');
      // The recipient's socket received it, so the sender learns it was delivered.
      expect(await a1.next('receipt')).toMatchObject({ message_id: res.body.id, status: 'delivered', user_id: bob.id });
      for (const s of [a1, a2, b1, b2, c1]) s.ws.close();
    });

    it('ids increase with time', async () => {
      const first = (await send(alice, 'private', { to: bob.id, content: 'one' }).expect(201)).body;
      const second = (await send(bob, 'private', { to: alice.id, content: 'two' }).expect(201)).body;
      expect(second.id).toBeGreaterThan(first.id);
      expect(second.timestamp).toBeGreaterThanOrEqual(first.timestamp);
    });

    it('client_id makes it idempotent: the same id, one stored row, routed once', async () => {
      const dave = await registerUser(server);
      const socket = await connectClient(server, dave.cookie);
      const body = { to: dave.id, content: 'once only', client_id: 'rest-1' };
      const first = (await send(alice, 'private', body).expect(201)).body;
      const again = (await send(alice, 'private', body).expect(201)).body;
      expect(again).toEqual(first);
      await socket.next('private');
      await expectFrameCount(socket, 'private', 1);
      const page = await history(dave, `private?user=${alice.id}`);
      expect(page.body.messages.map((m: { id: number }) => m.id)).toEqual([first.id]);
      // Per sender: another sender may use the same client_id.
      const other = (await send(bob, 'private', body).expect(201)).body;
      expect(other.id).not.toBe(first.id);
    });

    it.each([
      ['no body', undefined],
      ['no content', { to: 1 }],
      ['empty content', { to: 1, content: '' }],
      ['content blank after trim', { to: 1, content: ' \n\t ' }],
      ['content over 4000 characters', { to: 1, content: 'x'.repeat(4001) }],
      ['content not a string', { to: 1, content: 42 }],
      ['no to', { content: 'hi' }],
      ['to as a string', { to: '1', content: 'hi' }],
      ['to fractional', { to: 1.5, content: 'hi' }],
      ['to zero', { to: 0, content: 'hi' }],
      ['client_id over 64 characters', { to: 1, content: 'hi', client_id: 'c'.repeat(65) }],
      ['client_id not a string', { to: 1, content: 'hi', client_id: 7 }],
    ])('400 for %s, and nothing is stored', async (_name, body) => {
      const before = (await history(alice, `private?user=${bob.id}&limit=1`)).body.messages[0]?.id;
      expect((await send(alice, 'private', body ?? {}).expect(400)).body).toEqual(error('bad_request'));
      expect((await history(alice, `private?user=${bob.id}&limit=1`)).body.messages[0]?.id).toBe(before);
    });

    it('counts characters as code points: 4000 emoji are accepted (8000 UTF-16 units), 4001 are a 400', async () => {
      const res = await send(alice, 'private', { to: bob.id, content: '😀'.repeat(4000) }).expect(201);
      expect([...res.body.content]).toHaveLength(4000);
      expect((await send(alice, 'private', { to: bob.id, content: '😀'.repeat(4001) }).expect(400)).body.error).toBe('bad_request');
    });

    it('accepts exactly 4000 characters (after trimming)', async () => {
      const res = await send(alice, 'private', { to: bob.id, content: ` ${'y'.repeat(4000)} ` }).expect(201);
      expect(res.body.content).toHaveLength(4000);
    });

    it('404 for an unknown recipient', async () => {
      expect((await send(alice, 'private', { to: 999999, content: 'anyone?' }).expect(404)).body).toEqual(error('not_found'));
    });

    it('413 payload_too_large for a body over 100 kB', async () => {
      const res = await send(alice, 'private', { to: bob.id, content: 'z'.repeat(110_000) }).expect(413);
      expect(res.body).toEqual(error('payload_too_large'));
    });
  });

  describe('POST /api/messages/group', () => {
    let groupId: number;
    let invitee: TestUser;

    beforeAll(async () => {
      invitee = await registerUser(server);
      groupId = await createGroup(server, alice, [bob], [invitee]);
    });

    it('201 with the message object, routed to accepted members only (the sender\'s sockets too)', async () => {
      const [a1, b1, i1, c1] = await connectAll(server, [alice, bob, invitee, carol]);
      const res = await send(bob, 'group', { group_id: groupId, content: 'hi all' }).expect(201);
      expect(res.body).toEqual({ id: expect.any(Number), from: bob.id, group_id: groupId, content: 'hi all', timestamp: expect.any(Number) });
      expect(await a1.next('group')).toEqual({ type: 'group', ...res.body });
      expect(await b1.next('group')).toEqual({ type: 'group', ...res.body });
      await expectNoFrame(i1, 'group');
      await expectNoFrame(c1, 'group', 0);
      for (const s of [a1, b1, i1, c1]) s.ws.close();
    });

    it('accepts group_id as a numeric string and answers with a number', async () => {
      const res = await send(alice, 'group', { group_id: String(groupId), content: 'string id' }).expect(201);
      expect(res.body.group_id).toBe(groupId);
    });

    it('client_id makes it idempotent', async () => {
      const body = { group_id: groupId, content: 'once', client_id: 'rest-group-1' };
      const first = (await send(alice, 'group', body).expect(201)).body;
      expect((await send(alice, 'group', body).expect(201)).body).toEqual(first);
      const page = await history(bob, `group?group=${groupId}&limit=5`);
      expect(page.body.messages.filter((m: { content: string }) => m.content === 'once')).toHaveLength(1);
    });

    it('403 for a stranger and for an invitee who has not accepted; 404 for a missing group', async () => {
      expect((await send(carol, 'group', { group_id: groupId, content: 'let me in' }).expect(403)).body).toEqual(error('forbidden'));
      expect((await send(invitee, 'group', { group_id: groupId, content: 'early' }).expect(403)).body).toEqual(error('forbidden'));
      expect((await send(carol, 'group', { group_id: 999999, content: 'void' }).expect(404)).body).toEqual(error('not_found'));
    });

    it.each([
      ['no group_id', { content: 'hi' }],
      ['a non-numeric group_id', { group_id: 'abc', content: 'hi' }],
      ['blank content', { group_id: 1, content: '   ' }],
      ['content over 4000 characters', { group_id: 1, content: 'x'.repeat(4001) }],
      ['client_id over 64 characters', { group_id: 1, content: 'hi', client_id: 'c'.repeat(65) }],
    ])('400 for %s', async (_name, body) => {
      expect((await send(alice, 'group', body).expect(400)).body).toEqual(error('bad_request'));
    });
  });
});
