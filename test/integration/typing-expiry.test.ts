import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  connectAll,
  connectClient,
  createGroup,
  expectNoFrame,
  registerUser,
  registerUsers,
  startTestServer,
  type TestServer,
} from '../support/server.js';

describe('typing expiry on a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { manager: { typingTimeoutMs: 150 } });
  });
  afterAll(closeAll);

  it('sends is_typing false by itself after the timeout, and at once when the typist sends', async () => {
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    // Typing passes between contacts: both have written in the conversation (contract section 6).
    await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'hi' }).expect(201);
    await server.http.post('/api/messages/private').set('cookie', bob.cookie).send({ to: alice.id, content: 'hello' }).expect(201);
    const a = await connectClient(server, alice.cookie);
    const b = await connectClient(server, bob.cookie);

    a.send({ type: 'typing', to: bob.id });
    expect(await b.next('typing')).toEqual({ type: 'typing', from: alice.id, to: bob.id, is_typing: true });
    const started = Date.now();
    expect(await b.next('typing')).toEqual({ type: 'typing', from: alice.id, to: bob.id, is_typing: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);

    a.send({ type: 'typing', to: bob.id });
    await b.next('typing', (f) => f.is_typing === true);
    a.send({ type: 'private', to: bob.id, content: 'done typing' });
    await b.next('private');
    const stopped = await b.next('typing', (f) => f.is_typing === false, 100);
    expect(stopped.from).toBe(alice.id);
  });
  // docs/contract.md ("`typing` to a user"): a stop goes to everyone the typing was shown to; nobody it was never shown to hears of it.
  it('a group stop by the timer reaches a member who was shown the typing and left since', async () => {
    const [owner, typist, leaver] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [typist, leaver]);
    const [o, t, l] = await connectAll(server, [owner, typist, leaver]);
    t.send({ type: 'typing', group_id: groupId });
    await l.next('typing', (f) => f.is_typing === true);
    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', leaver.cookie).expect(200);
    t.send({ type: 'typing', group_id: groupId }); // after the leave: not shown to the leaver; restarts the timer past the leave
    expect(await l.next('typing', (f) => f.is_typing === false)).toMatchObject({ from: typist.id, group_id: groupId });
    await o.next('typing', (f) => f.is_typing === false && o.all('typing').at(-1) === f); // the owner's last stop: the leaver's came with it
    expect(l.all('typing').map((f) => f.is_typing)).toEqual([true, false]);
  });

  it("a group stop for the typist's message does not reach a member who joined after the typing started", async () => {
    const [owner, typist, joiner] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [typist], [joiner]);
    const [o, t, j] = await connectAll(server, [owner, typist, joiner]);
    t.send({ type: 'typing', group_id: groupId });
    await o.next('typing', (f) => f.is_typing === true);
    await server.http.post(`/api/groups/${groupId}/accept`).set('cookie', joiner.cookie).expect(200);
    t.send({ type: 'group', group_id: groupId, content: 'done typing' });
    await j.next('group', (f) => f.content === 'done typing');
    await o.next('typing', (f) => f.is_typing === false);
    await expectNoFrame(j, 'typing', 50);
  });
});
