/**
 * Contract section 6 on a real server (SQLite, real sockets): the host's
 * message policy over WebSocket and REST alike, and parlor.events with the
 * right offline set, through examples/push-notifications.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushOfflineRecipients, shareAGroupPolicy, type Push } from '../../examples/push-notifications.js';
import type { MessagePolicy } from '../../src/websocket/message-policy.js';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, waitFor, type TestServer, type TestUser } from '../support/server.js';

describe('a host message policy and parlor.events on a real server', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  const pushes: Push[] = [];
  let policy: MessagePolicy = { check: () => ({ allow: true }) };

  beforeAll(async () => {
    server = await startTestServer({ PASSWORD_HASH_COST: '10' }, { manager: { messagePolicy: { check: (input) => policy.check(input) } } });
    [alice, bob, carol, dave] = await registerUsers(server, 4);
    pushOfflineRecipients(server.parlor, (p) => void pushes.push(p));
  });
  afterAll(closeAll);

  it('"only users who share a group may start a conversation": refused over WS and REST with the reason, nothing stored; allowed for group mates', async () => {
    await createGroup(server, alice, [bob], [], 'mates');
    const stores = server.stores;
    policy = shareAGroupPolicy(stores.groups, async (a, b) => (await stores.messages.privateHistory(a, b, { limit: 1 })).items.length > 0);
    const a = await connectClient(server, alice.cookie);

    a.send({ type: 'private', to: carol.id, content: 'hi stranger', client_id: 's1' });
    expect(await a.next('error')).toEqual({ type: 'error', code: 'forbidden', message: 'you can message people you share a group with', client_id: 's1' });
    const rest = await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: carol.id, content: 'hi stranger' }).expect(403);
    expect(rest.body).toEqual({ error: 'forbidden', message: 'you can message people you share a group with' });
    expect((await stores.messages.privateHistory(alice.id, carol.id, { limit: 5 })).items).toEqual([]);

    a.send({ type: 'private', to: bob.id, content: 'hi mate', client_id: 'm1' });
    expect(await a.next('ack')).toMatchObject({ client_id: 'm1' });
  });

  it('a rewrite is what is stored and what every side sees', async () => {
    policy = { check: ({ content }) => ({ allow: true, content: content.replace(/heck/gi, 'h**k') }) };
    const [a, b] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, bob.cookie)]);
    const sent = (await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'what the heck' }).expect(201)).body;
    expect(sent.content).toBe('what the h**k');
    expect(await b.next('private', (f) => f.id === sent.id)).toMatchObject({ content: 'what the h**k' });
    expect(await a.next('private', (f) => f.id === sent.id)).toMatchObject({ content: 'what the h**k' });
    const history = (await server.http.get(`/api/messages/private?user=${alice.id}`).set('cookie', bob.cookie).expect(200)).body.messages;
    expect(history[0]).toMatchObject({ id: sent.id, content: 'what the h**k' });
  });

  it('one push per stored message to each recipient offline everywhere, none to those online', async () => {
    policy = { check: () => ({ allow: true }) };
    pushes.length = 0;
    const online = await connectClient(server, bob.cookie); // carol and dave stay offline
    const groupId = await createGroup(server, alice, [bob, carol, dave], [], 'pushes');
    const a = await connectClient(server, alice.cookie);
    a.send({ type: 'group', group_id: groupId, content: 'dinner at eight?', client_id: 'g-push' });
    const ack = await a.next('ack');
    await online.next('group', (f) => f.id === ack.id);
    await waitFor(() => pushes.length === 2, 3000, 'two pushes');
    expect(pushes.map((p) => p.to).sort()).toEqual([carol.id, dave.id].sort());
    expect(pushes[0]).toMatchObject({ body: 'dinner at eight?', data: { message_id: ack.id, from: alice.id, group_id: groupId } });
  });
});
