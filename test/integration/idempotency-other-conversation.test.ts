/**
 * A client_id names one message: a resend is the same frame (docs/guarantees.md
 * section 2), to the same conversation. The same client_id in a frame to
 * another conversation (a private message to carol under the client_id of one
 * to bob, a message to group 2 under that of one to group 1) is not a resend:
 * acking it with the stored message would tell the sender "stored" of a
 * message nobody got. It is `bad_request`, nothing stored or routed; and a
 * refused send under such a client_id keeps its refusal (the stored message
 * is not its lost ack).
 */
import { expect, it } from 'vitest';
import { describeOnEveryStore } from '../support/every-store.js';
import { connectClient, createGroup, registerUsers } from '../support/server.js';

await describeOnEveryStore('a client_id reused for another conversation', (on) => {
  it('private: a frame to carol under the client_id of a message to bob is bad_request, over the socket and REST; a resend to bob is still acked', async () => {
    const { server } = on;
    const [alice, bob, carol] = await registerUsers(server, 3);
    const sender = await connectClient(server, alice.cookie);
    sender.send({ type: 'private', to: bob.id, content: 'for bob', client_id: 'other-private' });
    const toBob = await sender.next('ack', (f) => f.client_id === 'other-private');

    sender.send({ type: 'private', to: carol.id, content: 'for carol', client_id: 'other-private' });
    expect(await sender.next('error', (f) => f.client_id === 'other-private')).toEqual({
      type: 'error',
      code: 'bad_request',
      message: 'client_id other-private was already used for a message to another conversation',
      client_id: 'other-private',
    });
    const rest = await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: carol.id, content: 'for carol', client_id: 'other-private' });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toBe('bad_request');
    expect((await server.http.get(`/api/messages/private?user=${alice.id}`).set('cookie', carol.cookie).expect(200)).body.messages).toEqual([]);

    // The same conversation is a resend, whatever its content: the stored message.
    sender.send({ type: 'private', to: bob.id, content: 'for bob, edited', client_id: 'other-private' });
    expect(await sender.next('ack', (f) => f.client_id === 'other-private' && f !== toBob)).toEqual(toBob);
  });

  it('group: a frame to group 2 under the client_id of a message to group 1 is bad_request; a resend to group 1 is still acked', async () => {
    const { server } = on;
    const [alice, bob, carol] = await registerUsers(server, 3);
    const g1 = await createGroup(server, alice, [bob]);
    const g2 = await createGroup(server, alice, [carol]);
    const sender = await connectClient(server, alice.cookie);
    sender.send({ type: 'group', group_id: g1, content: 'for group 1', client_id: 'other-group' });
    const toG1 = await sender.next('ack', (f) => f.client_id === 'other-group');

    sender.send({ type: 'group', group_id: g2, content: 'for group 2', client_id: 'other-group' });
    expect(await sender.next('error', (f) => f.client_id === 'other-group')).toMatchObject({ code: 'bad_request', message: expect.stringContaining('another conversation') });
    expect((await server.http.get(`/api/messages/group?group=${g2}`).set('cookie', carol.cookie).expect(200)).body.messages).toEqual([]);

    sender.send({ type: 'group', group_id: g1, content: 'for group 1', client_id: 'other-group' });
    expect(await sender.next('ack', (f) => f.client_id === 'other-group' && f !== toG1)).toEqual(toG1);
  });

  it('a refused send under the client_id of a message to another conversation keeps its refusal, not that message as its ack', async () => {
    const { server } = on;
    const [alice, bob, carol] = await registerUsers(server, 3);
    const g1 = await createGroup(server, alice, [bob]);
    const notMine = await createGroup(server, bob, [carol]);
    const sender = await connectClient(server, alice.cookie);
    sender.send({ type: 'private', to: bob.id, content: 'for bob', client_id: 'refused-private' });
    await sender.next('ack', (f) => f.client_id === 'refused-private');
    sender.send({ type: 'group', group_id: g1, content: 'for group 1', client_id: 'refused-group' });
    await sender.next('ack', (f) => f.client_id === 'refused-group');

    await server.http.post(`/api/users/${alice.id}/block`).set('cookie', carol.cookie).expect(201);
    sender.send({ type: 'private', to: carol.id, content: 'for carol', client_id: 'refused-private' });
    expect(await sender.next('error', (f) => f.client_id === 'refused-private')).toMatchObject({ code: 'forbidden' });
    sender.send({ type: 'group', group_id: notMine, content: 'for a group I am not in', client_id: 'refused-group' });
    expect(await sender.next('error', (f) => f.client_id === 'refused-group')).toMatchObject({ code: 'forbidden' });
  });
});
