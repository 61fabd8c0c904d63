/**
 * The client's own `is_typing: false` in a group, on a real server.
 * docs/contract.md, "`typing` to a user": "A stop (the client's
 * `is_typing: false`, the 3 s timer, the typist's message) goes to everyone
 * the typing was shown to, a block since notwithstanding, so no indicator is
 * left on; nobody it was never shown to hears of it." docs/protocol.md,
 * Typing: "one who joined since gets no stop of a typing it never saw start".
 *
 * The typing timeout is a minute, longer than any test here: a stop that
 * arrives is the client's, not the server's timer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectAll, connectClient, createGroup, registerUsers, startTestServer, type TestServer } from '../support/server.js';

describe("the client's typing stop in a group", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { manager: { typingTimeoutMs: 60_000 } });
  });
  afterAll(closeAll);

  it('a typist who left the group takes its indicator down at once, for the members who were shown it', async () => {
    const [owner, typist] = await registerUsers(server, 2);
    const groupId = await createGroup(server, owner, [typist]);
    const [o, t] = await connectAll(server, [owner, typist]);
    t.send({ type: 'typing', group_id: groupId });
    await o.next('typing', (f) => f.is_typing === true);

    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', typist.cookie).expect(200);
    t.send({ type: 'typing', group_id: groupId, is_typing: false }); // the composer of the group just left is closed

    expect(await o.next('typing', (f) => f.is_typing === false)).toEqual({ type: 'typing', from: typist.id, group_id: groupId, is_typing: false });
  });

  it('a stop of a typing that ended already reaches nobody: not a member who joined since, and no second stop', async () => {
    const [owner, typist, newcomer] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [typist]);
    const [o, t] = await connectAll(server, [owner, typist]);
    t.send({ type: 'typing', group_id: groupId });
    await o.next('typing', (f) => f.is_typing === true);
    t.send({ type: 'group', group_id: groupId, content: 'sent' }); // the message ends the typing
    await o.next('typing', (f) => f.is_typing === false);

    await server.http.post('/api/groups/invite').set('cookie', owner.cookie).send({ group_id: groupId, user_id: newcomer.id }).expect(201);
    await server.http.post(`/api/groups/${groupId}/accept`).set('cookie', newcomer.cookie).expect(200);
    const n = await connectClient(server, newcomer.cookie);

    t.send({ type: 'typing', group_id: groupId, is_typing: false }); // the client blurs the emptied composer
    t.send({ type: 'typing', group_id: groupId }); // and types again: what everyone hears next
    expect(await n.next('typing')).toMatchObject({ from: typist.id, is_typing: true });
    await o.next('typing', (f) => f.is_typing === true); // the second true: a second stop would have come before it
    expect(o.all('typing').map((f) => f.is_typing)).toEqual([true, false, true]);
    expect(n.all('typing').map((f) => f.is_typing)).toEqual([true]);
  });
});
