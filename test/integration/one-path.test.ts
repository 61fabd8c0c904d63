/**
 * One path (contract section 4): every HTTP route reads and writes through
 * the same injected interfaces as the frames. Here each is the host's own
 * (a header resolver, in-memory groups the host owns, an in-memory message
 * persister); Parlor's SQLite store stays empty of messages and groups, and
 * HTTP and WebSocket give the same answers.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { mockGroupMemberFetcher, mockPersister, mockUserDirectory } from '../support/mock-interfaces.js';
import { closeAll, connectClient, tempDir, targetOf, type HttpTarget } from '../support/server.js';

describe('one path: HTTP and WebSocket through the same injected interfaces', () => {
  const groups = mockGroupMemberFetcher({ 7: { accepted: [1, 2], invited: [3] } });
  const persister = mockPersister({ groups, knownUsers: [1, 2, 3, 4] });
  let stores: SqliteStores;
  let parlor: Parlor;
  let target: HttpTarget;
  let close: () => Promise<void>;
  const as = (userId: number) => ({ 'x-user': String(userId) });

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0 });
    parlor = createParlor({
      stores,
      sessionResolver: { resolve: (req: IncomingMessage) => (req.headers['x-user'] ? { userId: Number(req.headers['x-user']), via: 'token' } : null) },
      groupMemberFetcher: groups,
      messagePersister: persister,
      // The host's users: without a directory, Parlor's own accounts would be asked who exists.
      userDirectory: mockUserDirectory([1, 2, 3, 4]),
      tokens: false,
    });
    const app = express();
    app.use(parlor.router);
    app.use((_req, res) => {
      res.status(404).json({ host: 'not here' });
    });
    const server = createServer(app);
    parlor.attach(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    close = async () => {
      await parlor.close();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    };
  });
  afterAll(async () => {
    await close?.();
    await stores?.close();
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('private: a REST send is stored by the injected persister and routed live; history over HTTP reads it back; the bundled store holds nothing', async () => {
    const bob = await connectClient(target, undefined, { headers: as(2) });
    const sent = (await target.http.post('/api/messages/private').set(as(1)).send({ to: 2, content: 'over REST' }).expect(201)).body;
    expect(persister.savePrivate).toHaveBeenCalled();
    expect(await bob.next('private')).toMatchObject({ id: sent.id, from: 1, content: 'over REST' });

    const alice = await connectClient(target, undefined, { headers: as(1) });
    alice.send({ type: 'private', to: 2, content: 'over the socket', client_id: 'p1' });
    const ack = await alice.next('ack');
    const history = (await target.http.get('/api/messages/private?user=1').set(as(2)).expect(200)).body;
    expect(history.messages.map((m: { id: number }) => m.id)).toEqual([ack.id, sent.id]);
    expect((await stores.messages.privateHistory(2, 1, { limit: 10 })).items).toEqual([]);
  });

  it("groups the host owns: membership from the host's fetcher for frames and routes alike", async () => {
    const [member, invitee, stranger] = await Promise.all([2, 3, 4].map((u) => connectClient(target, undefined, { headers: as(u) })));
    const sender = await connectClient(target, undefined, { headers: as(1) });
    sender.send({ type: 'group', group_id: 7, content: 'hello group', client_id: 'g1' });
    const ack = await sender.next('ack');
    expect(await member!.next('group')).toMatchObject({ id: ack.id, group_id: 7, content: 'hello group' });

    expect((await target.http.get('/api/messages/group?group=7').set(as(2)).expect(200)).body.messages.map((m: { id: number }) => m.id)).toContain(ack.id);
    // The same refusals over HTTP and over the socket: invited is not accepted, a stranger is not a member, an unknown group is 404.
    for (const [client, user] of [[invitee!, 3], [stranger!, 4]] as const) {
      expect((await target.http.get('/api/messages/group?group=7').set(as(user)).expect(403)).body.error).toBe('forbidden');
      await target.http.post('/api/messages/group').set(as(user)).send({ group_id: 7, content: 'x' }).expect(403);
      client.send({ type: 'group', group_id: 7, content: 'x', client_id: 'no' });
      expect(await client.next('error')).toMatchObject({ code: 'forbidden', client_id: 'no' });
    }
    expect((await target.http.get('/api/messages/group?group=8').set(as(2)).expect(404)).body.error).toBe('not_found');
    member!.send({ type: 'group', group_id: 8, content: 'x', client_id: 'g8' });
    expect(await member!.next('error')).toMatchObject({ code: 'not_found', client_id: 'g8' });
    expect(await stores.groups.getGroup(7)).toBeNull();
  });

  it("GET /api/groups and /members answer from the host's groupsOf and members; managing groups falls through to the host", async () => {
    expect((await target.http.get('/api/groups').set(as(3)).expect(200)).body).toEqual({ groups: [{ id: 7, name: 'group 7', status: 'invited' }] });
    const members = (await target.http.get('/api/groups/7/members').set(as(3)).expect(200)).body.members;
    expect(members.map((m: { id: number; status: string }) => [m.id, m.status])).toEqual([[1, 'accepted'], [2, 'accepted'], [3, 'invited']]);
    // Names for clients: the host directory's profiles, as GET /api/users gives them.
    expect(members[0]).toEqual({ id: 1, username: 'user1', status: 'accepted' });
    await target.http.get('/api/groups/7/members').set(as(4)).expect(403);
    await target.http.get('/api/groups/8/members').set(as(4)).expect(404);
    for (const path of ['/api/groups', '/api/groups/invite', '/api/groups/7/accept', '/api/groups/7/decline', '/api/groups/7/leave']) {
      expect((await target.http.post(path).set(as(1)).send({ name: 'n', group_id: 7, user_id: 4 }).expect(404)).body).toEqual({ host: 'not here' });
    }
  });

  it("online contacts come from the fetcher's contactsOf, like presence frames", async () => {
    await connectClient(target, undefined, { headers: as(2) });
    groups.contactsOf.mockClear();
    expect((await target.http.get('/api/users/online').set(as(1)).expect(200)).body.users).toContain(2);
    expect(groups.contactsOf).toHaveBeenCalledWith(1);
  });
});
