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

describe('groups and invitations', () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let invitee: TestUser;
  let stranger: TestUser;
  let groupId: number;

  const as = (user: TestUser) => ({
    get: (path: string) => server.http.get(path).set('cookie', user.cookie),
    post: (path: string, body?: object) => server.http.post(path).set('cookie', user.cookie).send(body),
  });
  const invite = (by: TestUser, body: object) => as(by).post('/api/groups/invite', body);

  beforeAll(async () => {
    server = await startTestServer();
    [owner, member, invitee, stranger] = await registerUsers(server, 4);
    groupId = await createGroup(server, owner, [member], [invitee], 'Book club');
  });
  afterAll(closeAll);

  describe('POST /api/groups', () => {
    it('201 {id, name, owner_id}; the creator is an accepted member and sees it in GET /api/groups', async () => {
      const res = await as(stranger).post('/api/groups', { name: '  Hikers  ' }).expect(201);
      expect(res.body).toEqual({ id: expect.any(Number), name: 'Hikers', owner_id: stranger.id });
      const list = await as(stranger).get('/api/groups').expect(200);
      expect(list.body).toEqual({ groups: [{ id: res.body.id, name: 'Hikers', status: 'accepted' }] });
      const members = await as(stranger).get(`/api/groups/${res.body.id}/members`).expect(200);
      expect(members.body).toEqual({ members: [{ id: stranger.id, username: stranger.username, status: 'accepted' }] });
    });

    it.each([
      ['no name', {}],
      ['an empty name', { name: '' }],
      ['a blank name', { name: '   ' }],
      ['a name that is not a string', { name: 42 }],
      ['a name over 100 characters', { name: 'x'.repeat(101) }],
    ])('400 for %s', async (_name, body) => {
      expect((await as(owner).post('/api/groups', body).expect(400)).body).toEqual(error('bad_request'));
    });
  });

  describe('GET /api/groups', () => {
    it('lists accepted and invited groups with their status', async () => {
      expect((await as(member).get('/api/groups').expect(200)).body).toEqual({
        groups: [{ id: groupId, name: 'Book club', status: 'accepted' }],
      });
      expect((await as(invitee).get('/api/groups').expect(200)).body).toEqual({
        groups: [{ id: groupId, name: 'Book club', status: 'invited' }],
      });
    });
  });

  describe('GET /api/groups/:id/members', () => {
    const expected = () =>
      expect.arrayContaining([
        { id: owner.id, username: owner.username, status: 'accepted' },
        { id: member.id, username: member.username, status: 'accepted' },
        { id: invitee.id, username: invitee.username, status: 'invited' },
      ]);

    it('200 for accepted members and invitees, with invited members and their status', async () => {
      for (const user of [owner, member, invitee]) {
        const res = await as(user).get(`/api/groups/${groupId}/members`).expect(200);
        expect(res.body.members).toEqual(expected());
        expect(res.body.members).toHaveLength(3);
      }
    });

    it('403 for a stranger, 404 for a missing group, 400 for a bad id', async () => {
      expect((await as(stranger).get(`/api/groups/${groupId}/members`).expect(403)).body).toEqual(error('forbidden'));
      expect((await as(stranger).get('/api/groups/999999/members').expect(404)).body).toEqual(error('not_found'));
      for (const id of ['0', '00', '1234567890123456']) {
        expect((await as(owner).get(`/api/groups/${id}/members`).expect(400)).body).toEqual(error('bad_request'));
      }
      // Not digits: not Parlor's path, so it falls through to the standalone server's JSON 404.
      for (const id of ['abc', '-1', '1.5']) {
        expect((await as(owner).get(`/api/groups/${id}/members`).expect(404)).body).toEqual(error('not_found'));
      }
    });
  });

  describe('POST /api/groups/invite', () => {
    it('group_name is checked as a group name but not shown: the notification names the group as stored', async () => {
      const [inviter, target, other] = await registerUsers(server, 3);
      const gid = await createGroup(server, inviter, [], [], 'Chess');
      const socket = await connectClient(server, target.cookie);
      await invite(inviter, { group_id: gid, user_id: target.id, group_name: 'Free prizes' }).expect(201);
      expect(await socket.next('notification')).toMatchObject({ group_id: gid, group_name: 'Chess', message: expect.stringContaining('Chess') });
      for (const group_name of ['', '   ', 'x'.repeat(101)]) {
        expect((await invite(inviter, { group_id: gid, user_id: other.id, group_name }).expect(400)).body.error).toBe('bad_request');
      }
    });

    it('201 {group_id, user_id, status}; the invitee\'s socket gets a stored group_invite notification', async () => {
      const [inviter, target] = await registerUsers(server, 2);
      const gid = await createGroup(server, inviter, [], [], 'Chess');
      const socket = await connectClient(server, target.cookie);

      const res = await invite(inviter, { group_id: gid, user_id: target.id }).expect(201);
      expect(res.body).toEqual({ group_id: gid, user_id: target.id, status: 'invited' });

      const frame = await socket.next('notification');
      expect(frame).toMatchObject({
        type: 'notification',
        id: expect.any(Number),
        subtype: 'group_invite',
        message: expect.any(String),
        timestamp: expect.any(Number),
        group_id: gid,
        from: inviter.id,
      });
      const stored = await as(target).get('/api/notifications').expect(200);
      expect(stored.body.notifications[0]).toMatchObject({ id: frame.id, subtype: 'group_invite', group_id: gid, from: inviter.id, read: false });
    });

    it('accepts group_id as a numeric string and answers with a number', async () => {
      const target = await registerUser(server);
      const res = await invite(owner, { group_id: String(groupId), user_id: target.id }).expect(201);
      expect(res.body).toEqual({ group_id: groupId, user_id: target.id, status: 'invited' });
    });

    it.each([
      ['no body', undefined],
      ['no user_id', { group_id: 1 }],
      ['no group_id', { user_id: 1 }],
      ['a non-numeric group_id', { group_id: 'abc', user_id: 1 }],
      ['a user_id as a string', { group_id: 1, user_id: '1' }],
      ['a negative user_id', { group_id: 1, user_id: -3 }],
      ['a fractional group_id', { group_id: 1.5, user_id: 1 }],
    ])('400 for %s', async (_name, body) => {
      expect((await invite(owner, body ?? {}).expect(400)).body).toEqual(error('bad_request'));
    });

    it('404 for a missing group, whoever asks', async () => {
      expect((await invite(stranger, { group_id: 999999, user_id: member.id }).expect(404)).body).toEqual(error('not_found'));
    });

    it('403 when the inviter is not an accepted member, including an invitee who has not accepted', async () => {
      const target = await registerUser(server);
      expect((await invite(stranger, { group_id: groupId, user_id: target.id }).expect(403)).body).toEqual(error('forbidden'));
      expect((await invite(invitee, { group_id: groupId, user_id: target.id }).expect(403)).body).toEqual(error('forbidden'));
    });

    it('404 for a user that does not exist', async () => {
      expect((await invite(owner, { group_id: groupId, user_id: 999999 }).expect(404)).body).toEqual(error('not_found'));
    });

    it('409 for a user already invited or already a member (the inviter too)', async () => {
      for (const user of [invitee, member, owner]) {
        expect((await invite(owner, { group_id: groupId, user_id: user.id }).expect(409)).body).toEqual(error('conflict'));
      }
    });

    it('any accepted member may invite, not only the owner', async () => {
      const target = await registerUser(server);
      await invite(member, { group_id: groupId, user_id: target.id }).expect(201);
    });
  });

  describe('accept and decline', () => {
    it('accept: 200 {group_id, status: accepted}; the group turns accepted; a second accept is a 404', async () => {
      const [host, guest] = await registerUsers(server, 2);
      const gid = await createGroup(server, host, [], [guest]);
      expect((await as(guest).post(`/api/groups/${gid}/accept`).expect(200)).body).toEqual({ group_id: gid, status: 'accepted' });
      expect((await as(guest).get('/api/groups').expect(200)).body.groups).toEqual([{ id: gid, name: 'group', status: 'accepted' }]);
      const members = (await as(host).get(`/api/groups/${gid}/members`).expect(200)).body.members;
      expect(members).toContainEqual({ id: guest.id, username: guest.username, status: 'accepted' });
      expect((await as(guest).post(`/api/groups/${gid}/accept`).expect(404)).body).toEqual(error('not_found'));
      expect((await as(guest).post(`/api/groups/${gid}/decline`).expect(404)).body).toEqual(error('not_found'));
    });

    it('decline: 200 {group_id, status: declined}; the group and the member disappear from the lists', async () => {
      const [host, guest] = await registerUsers(server, 2);
      const gid = await createGroup(server, host, [], [guest]);
      expect((await as(guest).post(`/api/groups/${gid}/decline`).expect(200)).body).toEqual({ group_id: gid, status: 'declined' });
      expect((await as(guest).get('/api/groups').expect(200)).body).toEqual({ groups: [] });
      const members = (await as(host).get(`/api/groups/${gid}/members`).expect(200)).body.members;
      expect(members.map((m: { id: number }) => m.id)).toEqual([host.id]);
      expect((await as(guest).get(`/api/groups/${gid}/members`).expect(403)).body).toEqual(error('forbidden'));
      expect((await as(guest).post(`/api/groups/${gid}/accept`).expect(404)).body).toEqual(error('not_found'));
    });

    it('a user who declined can be invited again and then accept', async () => {
      const [host, guest] = await registerUsers(server, 2);
      const gid = await createGroup(server, host, [], [guest]);
      await as(guest).post(`/api/groups/${gid}/decline`).expect(200);
      expect((await invite(host, { group_id: gid, user_id: guest.id }).expect(201)).body.status).toBe('invited');
      expect((await as(guest).get('/api/groups').expect(200)).body.groups).toEqual([{ id: gid, name: 'group', status: 'invited' }]);
      await as(guest).post(`/api/groups/${gid}/accept`).expect(200);
    });

    it('re-inviting after declines is limited: the 4th invitation in a day is a 429 and notifies nobody (issue 15)', async () => {
      const [host, guest] = await registerUsers(server, 2);
      const gid = await createGroup(server, host);
      for (let i = 0; i < 3; i++) {
        await invite(host, { group_id: gid, user_id: guest.id }).expect(201);
        await as(guest).post(`/api/groups/${gid}/decline`).expect(200);
      }
      for (let i = 0; i < 17; i++) {
        const res = await invite(host, { group_id: gid, user_id: guest.id }).expect(429);
        expect(res.body).toEqual(error('rate_limited'));
      }
      // 20 invite/decline cycles used to be 20 notifications.
      const { body } = await as(guest).get('/api/notifications').expect(200);
      expect(body.notifications.filter((n: { subtype: string }) => n.subtype === 'group_invite')).toHaveLength(3);
      expect((await as(guest).get('/api/groups').expect(200)).body.groups).toEqual([]);
    });

    it('leave: 200 {group_id, status: left}; the group and the member disappear from the lists; a second leave is a 404', async () => {
      const [host, guest] = await registerUsers(server, 2);
      const gid = await createGroup(server, host, [guest]);
      await as(host).post('/api/messages/group', { group_id: gid, content: 'welcome' }).expect(201);
      const listed = (user: TestUser) => as(user).get('/api/conversations').expect(200).then((r) => r.body.conversations.map((c: { group_id?: number }) => c.group_id));
      expect(await listed(guest)).toEqual([gid]);
      expect((await as(guest).post(`/api/groups/${gid}/leave`).expect(200)).body).toEqual({ group_id: gid, status: 'left' });
      expect(await listed(guest)).toEqual([]);
      expect(await listed(host)).toEqual([gid]);
      expect((await as(guest).get('/api/groups').expect(200)).body).toEqual({ groups: [] });
      const members = (await as(host).get(`/api/groups/${gid}/members`).expect(200)).body.members;
      expect(members.map((m: { id: number }) => m.id)).toEqual([host.id]);
      expect((await as(guest).get(`/api/groups/${gid}/members`).expect(403)).body).toEqual(error('forbidden'));
      expect((await as(guest).get(`/api/messages/group?group=${gid}`).expect(403)).body).toEqual(error('forbidden'));
      expect((await as(guest).post('/api/messages/group', { group_id: gid, content: 'still here?' }).expect(403)).body).toEqual(error('forbidden'));
      expect((await as(guest).post(`/api/groups/${gid}/leave`).expect(404)).body).toEqual(error('not_found'));
    });

    it('a member who left may be invited again and accept; the owner may leave, and the group goes on', async () => {
      const [host, guest] = await registerUsers(server, 2);
      const gid = await createGroup(server, host, [guest]);
      await as(guest).post(`/api/groups/${gid}/leave`).expect(200);
      await invite(host, { group_id: gid, user_id: guest.id }).expect(201);
      await as(guest).post(`/api/groups/${gid}/accept`).expect(200);
      await as(host).post(`/api/groups/${gid}/leave`).expect(200);
      expect((await as(guest).get(`/api/groups/${gid}/members`).expect(200)).body.members).toEqual([
        { id: guest.id, username: guest.username, status: 'accepted' },
      ]);
      expect((await invite(host, { group_id: gid, user_id: host.id }).expect(403)).body).toEqual(error('forbidden'));
    });

    it('leave is a 404 for an invitee (who declines instead), a stranger and a missing group; 400 for a bad id', async () => {
      expect((await as(invitee).post(`/api/groups/${groupId}/leave`).expect(404)).body).toEqual(error('not_found'));
      expect((await as(stranger).post(`/api/groups/${groupId}/leave`).expect(404)).body).toEqual(error('not_found'));
      await as(stranger).post('/api/groups/999999/leave').expect(404);
      expect((await as(stranger).post('/api/groups/0/leave').expect(400)).body).toEqual(error('bad_request'));
      // Not digits: not Parlor's path (a host's slug), so it falls through to the standalone server's JSON 404.
      expect((await as(stranger).post('/api/groups/abc/leave').expect(404)).body).toEqual(error('not_found'));
      expect((await as(invitee).get('/api/groups').expect(200)).body.groups).toEqual([{ id: groupId, name: 'Book club', status: 'invited' }]);
    });

    it('404 with no invitation (a stranger, a member, a missing group), 400 for a bad id', async () => {
      expect((await as(stranger).post(`/api/groups/${groupId}/accept`).expect(404)).body).toEqual(error('not_found'));
      expect((await as(stranger).post(`/api/groups/${groupId}/decline`).expect(404)).body).toEqual(error('not_found'));
      await as(member).post(`/api/groups/${groupId}/accept`).expect(404);
      await as(stranger).post('/api/groups/999999/accept').expect(404);
      expect((await as(stranger).post('/api/groups/0/accept').expect(400)).body).toEqual(error('bad_request'));
      // Not digits: not Parlor's path (a host's slug), so it falls through to the standalone server's JSON 404.
      expect((await as(stranger).post('/api/groups/abc/accept').expect(404)).body).toEqual(error('not_found'));
    });
  });
});

describe('group membership changes reach routing at once (membership cache)', () => {
  let server: TestServer;
  afterAll(closeAll);

  it('a message right after accept reaches the new member; right after decline, not the one who declined', async () => {
    server = await startTestServer();
    const [owner, joiner, decliner] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [], [joiner, decliner], 'Cached');
    const [o, j, d] = await connectAll(server, [owner, joiner, decliner]);
    const say = async (content: string) => {
      o.send({ type: 'group', group_id: groupId, content, client_id: content });
      return o.next('ack', (f) => f.client_id === content);
    };
    await say('before'); // the members of the group are now cached
    await server.http.post(`/api/groups/${groupId}/accept`).set('cookie', joiner.cookie).expect(200);
    await server.http.post(`/api/groups/${groupId}/decline`).set('cookie', decliner.cookie).expect(200);
    await say('after');
    expect((await j.next('group', (f) => f.content === 'after')).group_id).toBe(groupId);
    await new Promise((r) => setTimeout(r, 100));
    expect(j.all('group').map((f) => f.content)).toEqual(['after']);
    expect(d.all('group')).toEqual([]);
  });

  it("a member who left gets no more of the group at once: neither its messages, its typing nor its members' presence, and cannot send to it", async () => {
    server = await startTestServer();
    const [owner, leaver, stayer] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [leaver, stayer], [], 'Left');
    const [o, l, s] = await connectAll(server, [owner, leaver, stayer]);
    o.send({ type: 'group', group_id: groupId, content: 'before', client_id: 'before' });
    await l.next('group', (f) => f.content === 'before'); // the members of the group are now cached
    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', leaver.cookie).expect(200);
    o.send({ type: 'typing', group_id: groupId });
    o.send({ type: 'group', group_id: groupId, content: 'after', client_id: 'after' });
    await o.next('ack', (f) => f.client_id === 'after');
    await expectNoFrame(l, 'group', 150, (f) => f.content === 'after');
    expect(l.all('typing')).toEqual([]);
    l.send({ type: 'group', group_id: groupId, content: 'hello?', client_id: 'hello' });
    expect(await l.next('error', (f) => f.client_id === 'hello')).toMatchObject({ code: 'forbidden' });
    await expectNoFrame(o, 'group', 150, (f) => f.content === 'hello?');
    // Met only in this group: at the leave, each side saw the other go offline (no stale "online" is left).
    const wentOffline = (id: number) => (f: Record<string, any>) => f.user_id === id && f.online === false;
    for (const [socket, about] of [[l, owner], [l, stayer], [o, leaver], [s, leaver]] as const) {
      expect(await socket.next('presence', wentOffline(about.id))).toBeTruthy();
    }
    o.ws.close();
    expect(await s.next('presence', wentOffline(owner.id))).toBeTruthy(); // a member still in hears it
    await expectFrameCount(l, 'presence', 1, 150, wentOffline(owner.id)); // the leaver: only the one from the leave
  });

  it('a member who accepts sees the online members online at once, and they see the member', async () => {
    server = await startTestServer();
    const [owner, member, joiner] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [member], [joiner], 'Joined');
    const [o, m, j] = await connectAll(server, [owner, member, joiner]);
    await expectNoFrame(j, 'presence', 100); // an invitee is nobody's contact yet
    await server.http.post(`/api/groups/${groupId}/accept`).set('cookie', joiner.cookie).expect(200);
    const about = (id: number) => (f: Record<string, any>) => f.user_id === id;
    expect(await j.next('presence', about(owner.id))).toEqual({ type: 'presence', user_id: owner.id, online: true });
    expect(await j.next('presence', about(member.id))).toEqual({ type: 'presence', user_id: member.id, online: true });
    expect(await o.next('presence', about(joiner.id))).toEqual({ type: 'presence', user_id: joiner.id, online: true });
    expect(await m.next('presence', about(joiner.id))).toEqual({ type: 'presence', user_id: joiner.id, online: true });
  });

  it("leaving a group tells nobody who is still a contact through another group, and a declined invitation tells nobody", async () => {
    server = await startTestServer();
    const [owner, leaver, decliner] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [leaver], [decliner], 'One of two');
    await createGroup(server, owner, [leaver], [], 'The other');
    const l = await connectClient(server, leaver.cookie);
    const o = await connectClient(server, owner.cookie); // after the leaver: it hears the owner come online
    const d = await connectClient(server, decliner.cookie);
    await l.next('presence', (f) => f.user_id === owner.id);
    await server.http.post(`/api/groups/${groupId}/decline`).set('cookie', decliner.cookie).expect(200);
    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', leaver.cookie).expect(200);
    await expectNoFrame(o, 'presence', 150, (f) => f.user_id !== owner.id);
    expect(l.all('presence')).toEqual([{ type: 'presence', user_id: owner.id, online: true }]);
    expect(d.all('presence')).toEqual([]);
  });
});

describe('DELETE /api/groups/:id/members/:userId: the owner removes a member', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  const as = (user: TestUser) => ({
    get: (path: string) => server.http.get(path).set('cookie', user.cookie),
    post: (path: string, body?: object) => server.http.post(path).set('cookie', user.cookie).send(body),
    remove: (groupId: number | string, userId: number | string) => server.http.delete(`/api/groups/${groupId}/members/${userId}`).set('cookie', user.cookie),
  });

  it('200 {group_id, user_id, status: removed}: the member is out at once, is notified, and both sides see each other go offline', async () => {
    const [owner, removed, stayer] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [removed, stayer], [], 'Moderated');
    const [o, r, s] = await connectAll(server, [owner, removed, stayer]);
    o.send({ type: 'group', group_id: groupId, content: 'before', client_id: 'before' });
    await r.next('group', (f) => f.content === 'before'); // the members of the group are now cached

    expect((await as(owner).remove(groupId, removed.id).expect(200)).body).toEqual({ group_id: groupId, user_id: removed.id, status: 'removed' });

    expect(await r.next('notification')).toMatchObject({ subtype: 'group_removed', group_id: groupId, group_name: 'Moderated' });
    const stored = (await as(removed).get('/api/notifications').expect(200)).body.notifications;
    expect(stored.map((n: { subtype: string }) => n.subtype)).toContain('group_removed');
    expect((await as(removed).get('/api/groups').expect(200)).body).toEqual({ groups: [] });
    const members = (await as(owner).get(`/api/groups/${groupId}/members`).expect(200)).body.members.map((m: { id: number }) => m.id);
    expect(members.sort()).toEqual([owner.id, stayer.id].sort());
    expect((await as(removed).get(`/api/messages/group?group=${groupId}`).expect(403)).body).toEqual(error('forbidden'));

    o.send({ type: 'group', group_id: groupId, content: 'after', client_id: 'after' });
    await s.next('group', (f) => f.content === 'after');
    await expectNoFrame(r, 'group', 150, (f) => f.content === 'after');
    r.send({ type: 'group', group_id: groupId, content: 'let me back', client_id: 'back' });
    expect(await r.next('error', (f) => f.client_id === 'back')).toMatchObject({ code: 'forbidden' });

    // Met only in this group: each side of the removal saw the other go offline.
    const wentOffline = (id: number) => (f: Record<string, any>) => f.user_id === id && f.online === false;
    for (const [socket, about] of [[r, owner], [r, stayer], [o, removed], [s, removed]] as const) {
      expect(await socket.next('presence', wentOffline(about.id))).toBeTruthy();
    }
    // A second removal finds nobody; the member may be invited again, and accept.
    expect((await as(owner).remove(groupId, removed.id).expect(404)).body).toEqual(error('not_found'));
    await as(owner).post('/api/groups/invite', { group_id: groupId, user_id: removed.id }).expect(201);
    await as(removed).post(`/api/groups/${groupId}/accept`).expect(200);
  });

  it('a removed member resending a group message stored before the removal (its ack lost) gets that message back; a new one is refused', async () => {
    const [owner, removed] = await registerUsers(server, 2);
    const groupId = await createGroup(server, owner, [removed]);
    const [o, r] = await connectAll(server, [owner, removed]);
    r.send({ type: 'group', group_id: groupId, content: 'said while a member', client_id: 'while-member' });
    const ack = await r.next('ack', (f) => f.client_id === 'while-member');
    await o.next('group', (f) => f.id === ack.id);
    await as(owner).remove(groupId, removed.id).expect(200);

    r.send({ type: 'group', group_id: groupId, content: 'said while a member', client_id: 'while-member' });
    expect(await r.next('ack', (f) => f.client_id === 'while-member' && f !== ack)).toEqual(ack);
    await expectFrameCount(o, 'group', 1, 150, (f) => f.id === ack.id);
    r.send({ type: 'group', group_id: groupId, content: 'said after', client_id: 'after-removal' });
    expect(await r.next('error', (f) => f.client_id === 'after-removal')).toMatchObject({ code: 'forbidden' });
    // A client_id of a private message does not answer for a group message.
    r.send({ type: 'private', to: owner.id, content: 'private', client_id: 'private-one' });
    await r.next('ack', (f) => f.client_id === 'private-one');
    r.send({ type: 'group', group_id: groupId, content: 'private', client_id: 'private-one' });
    expect(await r.next('error', (f) => f.client_id === 'private-one')).toMatchObject({ code: 'forbidden' });
  });

  it('only the owner, and only of accepted members: 403 for another member or a stranger, 400 for the owner, 404 for an invitee or a missing group', async () => {
    const [owner, member, invitee, stranger] = await registerUsers(server, 4);
    const groupId = await createGroup(server, owner, [member], [invitee], 'Owned');
    expect((await as(member).remove(groupId, owner.id).expect(403)).body).toEqual(error('forbidden'));
    expect((await as(stranger).remove(groupId, member.id).expect(403)).body).toEqual(error('forbidden'));
    expect((await as(owner).remove(groupId, owner.id).expect(400)).body).toEqual(error('bad_request'));
    expect((await as(owner).remove(groupId, invitee.id).expect(404)).body).toEqual(error('not_found'));
    expect((await as(owner).remove(groupId, stranger.id).expect(404)).body).toEqual(error('not_found'));
    expect((await as(owner).remove(999999, member.id).expect(404)).body).toEqual(error('not_found'));
    expect((await as(owner).remove('0', member.id).expect(400)).body).toEqual(error('bad_request'));
    expect((await as(owner).remove(groupId, '0').expect(400)).body).toEqual(error('bad_request'));
    expect((await as(owner).remove('abc', member.id).expect(404)).body).toEqual(error('not_found'));
    expect((await as(owner).remove(groupId, 'x').expect(404)).body).toEqual(error('not_found'));
    await server.http.delete(`/api/groups/${groupId}/members/${member.id}`).expect(401);
    // Nothing above changed the group.
    const members = (await as(owner).get(`/api/groups/${groupId}/members`).expect(200)).body.members;
    expect(members.map((m: { id: number; status: string }) => [m.id, m.status]).sort()).toEqual(
      [
        [owner.id, 'accepted'],
        [member.id, 'accepted'],
        [invitee.id, 'invited'],
      ].sort(),
    );
  });
});
