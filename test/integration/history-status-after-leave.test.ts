/**
 * docs/contract.md, "the history `status` after two stop being contacts": the
 * status a sender sees in private history follows the relation as it is now.
 * G and A are contacts through a group only; A reads G's message (G gets the
 * `read` receipt). A leaves: the conversation is a request again (A never
 * wrote), so G's history shows `sent`. A's reply makes them contacts: `read`
 * again, from the stored read_at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

describe('history status of a message read while the two shared a group', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  const statusOf = async (viewer: TestUser, peer: TestUser, id: number) => {
    const { body } = await server.http.get(`/api/messages/private?user=${peer.id}`).set('cookie', viewer.cookie).expect(200);
    return body.messages.find((m: { id: number }) => m.id === id)?.status;
  };

  it('is "read" while they are contacts, "sent" after the reader leaves the group, "read" again after a reply', async () => {
    const [g, a] = await registerUsers(server, 2);
    const groupId = await createGroup(server, g, [a]);
    const gWs = await connectClient(server, g.cookie);
    const aWs = await connectClient(server, a.cookie);
    const sent = (await server.http.post('/api/messages/private').set('cookie', g.cookie).send({ to: a.id, content: 'hello, group mate' }).expect(201)).body;
    await aWs.next('private', (f) => f.id === sent.id);
    aWs.send({ type: 'read', message_id: sent.id });
    await gWs.next('receipt', (f) => f.message_id === sent.id && f.status === 'read');
    expect(await statusOf(g, a, sent.id)).toBe('read');

    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', a.cookie).expect(200);
    expect(await statusOf(g, a, sent.id)).toBe('sent');

    await server.http.post('/api/messages/private').set('cookie', a.cookie).send({ to: g.id, content: 'a reply' }).expect(201);
    expect(await statusOf(g, a, sent.id)).toBe('read');
  });
});
