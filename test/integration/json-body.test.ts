/**
 * "JSON in" (contract section 2): a body that is not JSON is a 400, never read as "no body". The case that
 * mattered: POST /api/notifications/read with fetch's default text/plain for a string body marked every
 * notification read, since no body means "all".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, createGroup, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });

describe('a request body that is not JSON', () => {
  let server: TestServer;
  let owner: TestUser;
  let invitee: TestUser;

  const unread = async (): Promise<number> =>
    (await server.http.get('/api/notifications').set('cookie', invitee.cookie).expect(200)).body.unread as number;

  beforeAll(async () => {
    server = await startTestServer();
    [owner, invitee] = await registerUsers(server, 2);
    // Two unread group_invite notifications for the invitee.
    await createGroup(server, owner, [], [invitee], 'one');
    await createGroup(server, owner, [], [invitee], 'two');
  });
  afterAll(closeAll);

  it.each([
    // What `fetch(url, {method: 'POST', body: JSON.stringify({ids: [1]})})` sends.
    ['text/plain;charset=UTF-8', JSON.stringify({ ids: [1] })],
    ['application/x-www-form-urlencoded', 'ids=1'],
    ['application/octet-stream', '{}'],
  ])('POST /api/notifications/read with %s is a 400 and marks nothing read', async (type, body) => {
    expect(await unread()).toBe(2);
    const res = await server.http.post('/api/notifications/read').set('cookie', invitee.cookie).set('content-type', type).send(body).expect(400);
    expect(res.body).toEqual(error('bad_request'));
    expect(res.body.message).toMatch(/must be JSON/);
    expect(await unread()).toBe(2);
  });

  it('POST /api/groups with a form is a 400 and creates nothing', async () => {
    const before = (await server.http.get('/api/groups').set('cookie', owner.cookie).expect(200)).body.groups.length as number;
    await server.http.post('/api/groups').set('cookie', owner.cookie).type('form').send({ name: 'form' }).expect(400);
    expect((await server.http.get('/api/groups').set('cookie', owner.cookie).expect(200)).body.groups).toHaveLength(before);
  });

  it('JSON is read as before, and no body at all still means "all" on /api/notifications/read', async () => {
    const first = (await server.http.get('/api/notifications').set('cookie', invitee.cookie).expect(200)).body.notifications[0].id as number;
    expect((await server.http.post('/api/notifications/read').set('cookie', invitee.cookie).send({ ids: [first] }).expect(200)).body).toEqual({ updated: 1 });
    expect(await unread()).toBe(1);
    expect((await server.http.post('/api/notifications/read').set('cookie', invitee.cookie).expect(200)).body).toEqual({ updated: 1 });
    expect(await unread()).toBe(0);
  });
});
