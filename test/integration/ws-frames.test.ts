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
  type TestClient,
  type TestServer,
  type TestUser,
} from '../support/server.js';

describe('WebSocket frames end to end', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let groupId: number;
  let a1: TestClient, a2: TestClient, b1: TestClient, b2: TestClient, c1: TestClient, d1: TestClient;

  const history = async (user: TestUser, query: string) =>
    (await server.http.get(`/api/messages/${query}`).set('cookie', user.cookie).expect(200)).body.messages as Array<Record<string, any>>;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, carol, dave] = await registerUsers(server, 4);
    groupId = await createGroup(server, alice, [bob], [dave]);
    [a1, a2, b1, b2, c1, d1] = await connectAll(server, [alice, alice, bob, bob, carol, dave]);
  });
  afterAll(closeAll);

  describe('private', () => {
    it('acks the sending connection; every connection of the recipient and the sender\'s other ones get it', async () => {
      a1.send({ type: 'private', to: bob.id, content: '  hello  ', client_id: 'p-1' });
      const ack = await a1.next('ack');
      expect(ack).toEqual({ type: 'ack', client_id: 'p-1', id: expect.any(Number), timestamp: expect.any(Number) });
      const expected = { type: 'private', id: ack.id, from: alice.id, to: bob.id, content: 'hello', timestamp: ack.timestamp };
      for (const s of [b1, b2, a2]) expect(await s.next('private', (f) => f.id === ack.id)).toEqual(expected);
      await expectNoFrame(a1, 'private', 100, (f) => f.id === ack.id);
      await expectNoFrame(c1, 'private', 0);
      expect((await history(bob, `private?user=${alice.id}&limit=1`))[0]).toMatchObject({ id: ack.id, content: 'hello' });
    });

    it('acks with client_id null when none was given', async () => {
      a1.send({ type: 'private', to: bob.id, content: 'no client id' });
      expect(await a1.next('ack')).toEqual({ type: 'ack', client_id: null, id: expect.any(Number), timestamp: expect.any(Number) });
    });

    it('ignores a spoofed `from`: the recipient sees the session\'s user', async () => {
      c1.send({ type: 'private', to: bob.id, from: alice.id, id: 1, content: 'I am alice, honest', client_id: 'spoof' });
      const ack = await c1.next('ack');
      const got = await b1.next('private', (f) => f.id === ack.id);
      expect(got.from).toBe(carol.id);
      expect((await history(bob, `private?user=${carol.id}&limit=1`))[0]).toMatchObject({ id: ack.id, from: carol.id });
      expect((await history(bob, `private?user=${alice.id}&limit=5`)).map((m) => m.id)).not.toContain(ack.id);
    });

    it('a resend with the same client_id is acked with the same id and neither stored nor routed twice', async () => {
      const frame = { type: 'private', to: dave.id, content: 'only once', client_id: 'resend-1' };
      a1.send(frame);
      const first = await a1.next('ack', (f) => f.client_id === 'resend-1');
      a1.send(frame);
      const second = await a1.next('ack', (f) => f.client_id === 'resend-1');
      expect(second.id).toBe(first.id);
      await d1.next('private', (f) => f.id === first.id);
      await expectFrameCount(d1, 'private', 1, 150, (f) => f.content === 'only once');
      expect((await history(dave, `private?user=${alice.id}`)).filter((m) => m.content === 'only once')).toHaveLength(1);
    });

    it('to oneself: stored, acked, sent to one\'s other connections', async () => {
      a1.send({ type: 'private', to: alice.id, content: 'note to self', client_id: 'self-1' });
      const ack = await a1.next('ack', (f) => f.client_id === 'self-1');
      expect(await a2.next('private', (f) => f.id === ack.id)).toMatchObject({ from: alice.id, to: alice.id });
      await expectNoFrame(a1, 'private', 100, (f) => f.id === ack.id);
    });

    it('not_found for an unknown recipient, echoing client_id; nothing stored', async () => {
      a1.send({ type: 'private', to: 999999, content: 'hello?', client_id: 'lost-1' });
      expect(await a1.next('error', (f) => f.client_id === 'lost-1')).toEqual({
        type: 'error',
        code: 'not_found',
        message: expect.any(String),
        client_id: 'lost-1',
      });
      expect(await history(alice, 'private?user=999999')).toEqual([]);
    });
  });

  describe('group', () => {
    it('reaches every connection of every accepted member except the sending one; not invitees nor strangers', async () => {
      a1.send({ type: 'group', group_id: String(groupId), content: 'hello group', client_id: 'g-1' });
      const ack = await a1.next('ack', (f) => f.client_id === 'g-1');
      const expected = { type: 'group', id: ack.id, from: alice.id, group_id: groupId, content: 'hello group', timestamp: ack.timestamp };
      for (const s of [a2, b1, b2]) expect(await s.next('group', (f) => f.id === ack.id)).toEqual(expected);
      await expectNoFrame(a1, 'group', 100, (f) => f.id === ack.id);
      await expectNoFrame(d1, 'group', 0);
      await expectNoFrame(c1, 'group', 0);
    });

    it('a resend with the same client_id is acked with the same id and not routed twice', async () => {
      const frame = { type: 'group', group_id: groupId, content: 'group once', client_id: 'g-dup' };
      b1.send(frame);
      const first = await b1.next('ack', (f) => f.client_id === 'g-dup');
      b1.send(frame);
      expect((await b1.next('ack', (f) => f.client_id === 'g-dup')).id).toBe(first.id);
      await expectFrameCount(a1, 'group', 1, 150, (f) => f.content === 'group once');
      expect((await history(alice, `group?group=${groupId}`)).filter((m) => m.content === 'group once')).toHaveLength(1);
    });

    it('forbidden for a stranger and for an invitee; not_found for a missing group', async () => {
      for (const [client, id, code] of [
        [c1, groupId, 'forbidden'],
        [d1, groupId, 'forbidden'],
        [c1, 999999, 'not_found'],
      ] as const) {
        client.send({ type: 'group', group_id: id, content: 'let me in', client_id: `deny-${code}` });
        expect(await client.next('error', (f) => f.client_id === `deny-${code}`)).toMatchObject({ code });
      }
      await expectNoFrame(b1, 'group', 50, (f) => f.content === 'let me in');
      expect((await history(alice, `group?group=${groupId}`)).filter((m) => m.content === 'let me in')).toEqual([]);
    });
  });

  describe('bad frames', () => {
    const bad: Array<[string, unknown, string]> = [
      ['not JSON', 'hello {', 'bad_request'],
      ['a JSON array', '[1,2]', 'bad_request'],
      ['JSON null', 'null', 'bad_request'],
      ['a JSON string', '"private"', 'bad_request'],
      ['no type', { to: 1, content: 'x' }, 'bad_request'],
      ['an unknown type', { type: 'teleport' }, 'bad_request'],
      ['to as a string', { type: 'private', to: 'bob', content: 'x' }, 'bad_request'],
      ['to fractional', { type: 'private', to: 1.5, content: 'x' }, 'bad_request'],
      ['content missing', { type: 'private', to: 1 }, 'bad_request'],
      ['content blank', { type: 'private', to: 1, content: '  \n ' }, 'bad_request'],
      ['content over 4000 characters', { type: 'private', to: 1, content: 'x'.repeat(4001) }, 'too_large'],
      ['client_id over 64 characters', { type: 'private', to: 1, content: 'x', client_id: 'c'.repeat(65) }, 'too_large'],
      ['group_id not numeric', { type: 'group', group_id: 'abc', content: 'x' }, 'bad_request'],
      ['typing with neither to nor group_id', { type: 'typing' }, 'bad_request'],
      ['typing with both to and group_id', { type: 'typing', to: 1, group_id: 1 }, 'bad_request'],
      ['is_typing not a boolean', { type: 'typing', to: 1, is_typing: 'yes' }, 'bad_request'],
      ['read without message_id', { type: 'read' }, 'bad_request'],
      ['sync without since', { type: 'sync' }, 'bad_request'],
      ['sync with a negative since', { type: 'sync', since: -1 }, 'bad_request'],
      ['broadcast without content', { type: 'broadcast' }, 'bad_request'],
    ];

    it.each(bad)('%s: an error frame, the connection stays open, nothing routed', async (_name, frame, code) => {
      const errorsBefore = c1.all('error').length;
      c1.send(frame);
      const error = await c1.next('error', () => c1.all('error').length > errorsBefore);
      expect(error).toEqual({ type: 'error', code, message: expect.any(String) });
      expect(c1.ws.readyState).toBe(c1.ws.OPEN);
    });

    it('a binary frame gets bad_request', async () => {
      c1.ws.send(Buffer.from(JSON.stringify({ type: 'private', to: bob.id, content: 'binary' })));
      expect(await c1.next('error', (f) => /binary/i.test(f.message))).toMatchObject({ code: 'bad_request' });
    });

    it('echoes a usable client_id of a rejected frame', async () => {
      c1.send({ type: 'private', to: 'nobody', content: 'x', client_id: 'bad-1' });
      expect(await c1.next('error', (f) => f.client_id === 'bad-1')).toMatchObject({ code: 'bad_request', client_id: 'bad-1' });
    });

    it('after all of them, nothing reached anyone and a valid frame still works', async () => {
      await expectNoFrame(b1, 'private', 0, (f) => f.from === carol.id && f.content !== 'I am alice, honest');
      c1.send({ type: 'private', to: bob.id, content: 'valid at last', client_id: 'after-bad' });
      const ack = await c1.next('ack', (f) => f.client_id === 'after-bad');
      expect(await b1.next('private', (f) => f.id === ack.id)).toMatchObject({ from: carol.id, content: 'valid at last' });
    });
  });

  describe('typing', () => {
    it('relays to the other side only, is_typing defaulting to true, then false', async () => {
      a1.send({ type: 'typing', to: bob.id });
      for (const s of [b1, b2]) expect(await s.next('typing')).toEqual({ type: 'typing', from: alice.id, to: bob.id, is_typing: true });
      a1.send({ type: 'typing', to: bob.id, is_typing: false });
      expect(await b1.next('typing')).toEqual({ type: 'typing', from: alice.id, to: bob.id, is_typing: false });
      await expectNoFrame(a2, 'typing', 50);
      await expectNoFrame(a1, 'typing', 0);
      await expectNoFrame(c1, 'typing', 0);
    });

    it('relays only between contacts: once both have written in the conversation (contract section 6), and stores nothing', async () => {
      const [x, y] = await registerUsers(server, 2);
      const [xs, ys] = await Promise.all([connectClient(server, x.cookie), connectClient(server, y.cookie)]);
      xs.send({ type: 'typing', to: y.id, is_typing: true });
      await expectNoFrame(ys, 'typing');
      expect(await history(x, `private?user=${y.id}`)).toEqual([]);
      xs.send({ type: 'private', to: y.id, content: 'hello' });
      await ys.next('private');
      xs.send({ type: 'typing', to: y.id, is_typing: true });
      await expectNoFrame(ys, 'typing'); // a request: y has not answered
      ys.send({ type: 'private', to: x.id, content: 'hi' });
      await xs.next('private');
      xs.send({ type: 'typing', to: y.id, is_typing: true });
      expect(await ys.next('typing')).toEqual({ type: 'typing', from: x.id, to: y.id, is_typing: true });
    });

    it('in a group: to the other accepted members, not invitees; forbidden for non-members', async () => {
      b1.send({ type: 'typing', group_id: groupId, is_typing: true });
      expect(await a1.next('typing', (f) => f.group_id === groupId)).toEqual({ type: 'typing', from: bob.id, group_id: groupId, is_typing: true });
      expect(await a2.next('typing', (f) => f.group_id === groupId)).toMatchObject({ from: bob.id });
      await expectNoFrame(d1, 'typing', 50);
      await expectNoFrame(b2, 'typing', 0, (f) => f.group_id === groupId);
      c1.send({ type: 'typing', group_id: groupId });
      expect(await c1.next('error', (f) => f.code === 'forbidden')).toMatchObject({ code: 'forbidden' });
      c1.send({ type: 'typing', group_id: 999999 });
      expect(await c1.next('error', (f) => f.code === 'not_found')).toMatchObject({ code: 'not_found' });
      b1.send({ type: 'typing', group_id: groupId, is_typing: false });
      expect(await a1.next('typing', (f) => f.group_id === groupId)).toMatchObject({ is_typing: false });
    });
  });
});
