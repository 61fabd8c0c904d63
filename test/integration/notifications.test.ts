import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });

describe('notifications', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  const list = (user: TestUser, query = '') => server.http.get(`/api/notifications${query}`).set('cookie', user.cookie);
  const read = (user: TestUser, body?: object) => {
    const req = server.http.post('/api/notifications/read').set('cookie', user.cookie);
    return body === undefined ? req : req.send(body);
  };
  /** Stores and sends a notification the way the host app does (parlor.manager.notify). */
  const notify = (user: TestUser, subtype: string, data: Record<string, unknown> = {}) =>
    server.parlor.manager.notify(user.id, subtype, `${subtype} for ${user.username}`, data);

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = await registerUsers(server, 2);
  });
  afterAll(closeAll);

  it('is empty for a new user', async () => {
    const fresh = await registerUser(server);
    expect((await list(fresh).expect(200)).body).toEqual({ notifications: [], has_more: false, unread: 0 });
  });

  it('lists newest first with {id, subtype, message, read, timestamp, ...data} and the unread count', async () => {
    const user = await registerUser(server);
    const socket = await connectClient(server, user.cookie);
    const first = await notify(user, 'ping', { from: alice.id });
    const second = await notify(user, 'mention', { from: bob.id, group_id: 7, extra: { deep: true } });
    // Sent live too, as stored.
    expect(await socket.next('notification')).toEqual({ type: 'notification', ...first });
    expect(await socket.next('notification')).toEqual({ type: 'notification', ...second });

    const { body } = await list(user).expect(200);
    expect(body).toEqual({
      notifications: [
        {
          id: second.id,
          subtype: 'mention',
          message: `mention for ${user.username}`,
          read: false,
          timestamp: expect.any(Number),
          from: bob.id,
          group_id: 7,
          extra: { deep: true },
        },
        { id: first.id, subtype: 'ping', message: `ping for ${user.username}`, read: false, timestamp: expect.any(Number), from: alice.id },
      ],
      has_more: false,
      unread: 2,
    });
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('data cannot override the stored fields', async () => {
    const user = await registerUser(server);
    const stored = await notify(user, 'ping', { id: 1, read: true, subtype: 'fake' });
    const [listed] = (await list(user).expect(200)).body.notifications;
    expect(listed).toMatchObject({ id: stored.id, subtype: 'ping', read: false });
  });

  it('data cannot change the frame type: a field named `type` still arrives as a `notification` frame', async () => {
    const user = await registerUser(server);
    const socket = await connectClient(server, user.cookie);
    // Host data may well carry a `type` of its own; notification ids share no sequence with message ids.
    const stored = await notify(user, 'mention', { type: 'private', to: alice.id });
    expect(await socket.next('notification', (f) => f.id === stored.id)).toMatchObject({ type: 'notification', id: stored.id, subtype: 'mention' });
    expect(socket.all('private')).toEqual([]);
  });

  it('pages with limit and offset', async () => {
    const user = await registerUser(server);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await notify(user, `n${i}`));
    const page = (await list(user, '?limit=2&offset=1').expect(200)).body;
    expect(page.notifications.map((n: { id: number }) => n.id)).toEqual([sent[3]!.id, sent[2]!.id]);
    expect(page.unread).toBe(5);
    expect(page.has_more).toBe(true);
    // The last page says so: has_more is true only while older rows remain (contract section 2).
    expect((await list(user, '?limit=2&offset=3').expect(200)).body).toMatchObject({ notifications: [{ id: sent[1]!.id }, { id: sent[0]!.id }], has_more: false });
    expect((await list(user, `?limit=1&before=${sent[1]!.id}`).expect(200)).body).toMatchObject({ notifications: [{ id: sent[0]!.id }], has_more: false });
    expect((await list(user, `?limit=1&before=${sent[2]!.id}`).expect(200)).body).toMatchObject({ has_more: true });
    expect((await list(user, '?limit=1000').expect(200)).body).toMatchObject({ notifications: { length: 5 }, has_more: false });
    // 0 is neither negative nor a non-integer: an empty page whose has_more says whether there is any, and the unread count.
    expect((await list(user, '?limit=0').expect(200)).body).toEqual({ notifications: [], has_more: true, unread: 5 });
  });

  it.each(['?limit=abc', '?limit=-1', '?offset=-1', '?offset=1.5', '?offset=1001', '?offset=999999999999999'])('400 for %s', async (query) => {
    expect((await list(alice, query).expect(400)).body).toEqual(error('bad_request'));
  });

  it('marks the given ids read, only the caller\'s own, and answers {updated: N} exactly', async () => {
    const [user, other] = await registerUsers(server, 2);
    const mine = [await notify(user, 'a'), await notify(user, 'b'), await notify(user, 'c')];
    const theirs = await notify(other, 'private');

    const res = await read(user, { ids: [mine[0]!.id, mine[2]!.id, theirs.id, 999999] }).expect(200);
    expect(res.body).toEqual({ updated: 2 });
    const { body } = await list(user).expect(200);
    expect(body.unread).toBe(1);
    expect(body.notifications.map((n: { id: number; read: boolean }) => [n.id, n.read])).toEqual([
      [mine[2]!.id, true],
      [mine[1]!.id, false],
      [mine[0]!.id, true],
    ]);
    // Somebody else's notification was left alone.
    expect((await list(other).expect(200)).body).toMatchObject({ unread: 1, notifications: [{ id: theirs.id, read: false }] });
    // Already read: nothing changes.
    expect((await read(user, { ids: [mine[0]!.id] }).expect(200)).body).toEqual({ updated: 0 });
    expect((await read(user, { ids: [] }).expect(200)).body).toEqual({ updated: 0 });
  });

  it('marks all read when no ids are given (no body, or an empty object)', async () => {
    const [user, other] = await registerUsers(server, 2);
    for (let i = 0; i < 3; i++) await notify(user, 'x');
    await notify(other, 'y');
    expect((await read(user).expect(200)).body).toEqual({ updated: 3 });
    expect((await list(user).expect(200)).body.unread).toBe(0);
    expect((await list(other).expect(200)).body.unread).toBe(1);
    await notify(user, 'z');
    expect((await read(user, {}).expect(200)).body).toEqual({ updated: 1 });
    expect((await read(user).expect(200)).body).toEqual({ updated: 0 });
  });

  it.each([
    ['ids not an array', { ids: 5 }],
    ['ids as strings', { ids: ['1'] }],
    ['a zero id', { ids: [0] }],
    ['a negative id', { ids: [-1] }],
    ['a fractional id', { ids: [1.5] }],
    ['a null id', { ids: [null] }],
    ['more than 1000 ids', { ids: Array.from({ length: 1001 }, (_, i) => i + 1) }],
  ])('400 for %s', async (_name, body) => {
    expect((await read(alice, body).expect(400)).body).toEqual(error('bad_request'));
  });

  it('400 for a body that is not JSON', async () => {
    const res = await server.http.post('/api/notifications/read').set('cookie', alice.cookie).set('content-type', 'application/json').send('{ids:');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(error('bad_request'));
  });
});
