/**
 * Typing and consent (contract section 6): typing passes between contacts
 * (an accepted group, or a private conversation both have written in), never
 * between users blocked either way; an indicator shown before a block is
 * still taken down by its stop; typing to nobody is not_found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  connectAll,
  createGroup,
  expectNoFrame,
  registerUsers,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/server.js';

const TYPING_MS = 300;

describe('typing and consent', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { manager: { typingTimeoutMs: TYPING_MS } });
  });
  afterAll(closeAll);

  const send = (from: TestUser, to: TestUser, content: string) =>
    server.http.post('/api/messages/private').set('cookie', from.cookie).send({ to: to.id, content }).expect(201);
  const block = (user: TestUser, peer: TestUser) => server.http.post(`/api/users/${peer.id}/block`).set('cookie', user.cookie).expect(201);

  it("a stranger who wrote first is shown no typing and shows none until the reply; then both ways", async () => {
    const [stranger, me] = await registerUsers(server, 2);
    const [s1, m1] = await connectAll(server, [stranger, me]);
    await send(stranger, me, 'hello, we have not met');
    s1.send({ type: 'typing', to: me.id });
    m1.send({ type: 'typing', to: stranger.id });
    await expectNoFrame(m1, 'typing', TYPING_MS * 2); // the stop of its timer neither: it was never shown
    await expectNoFrame(s1, 'typing', 0);
    await send(me, stranger, 'hi');
    s1.send({ type: 'typing', to: me.id });
    expect(await m1.next('typing')).toMatchObject({ from: stranger.id, is_typing: true });
    m1.send({ type: 'typing', to: stranger.id });
    expect(await s1.next('typing')).toMatchObject({ from: me.id, is_typing: true });
  });

  it('typing to a user who does not exist is not_found, as to a group that does not exist', async () => {
    const [alice] = await registerUsers(server, 1);
    const [a1] = await connectAll(server, [alice]);
    a1.send({ type: 'typing', group_id: 987654 });
    expect(await a1.next('error')).toMatchObject({ code: 'not_found' });
    a1.send({ type: 'typing', to: 987654 });
    expect(await a1.next('error', (f) => f.message.includes('987654') && f !== a1.all('error')[0])).toMatchObject({ code: 'not_found' });
  });

  it('private: the typist blocks the peer while typing; the peer still gets the stop, and no typing after', async () => {
    const [a, b] = await registerUsers(server, 2);
    await send(a, b, 'hi');
    await send(b, a, 'hi');
    const [a1, b1] = await connectAll(server, [a, b]);
    a1.send({ type: 'typing', to: b.id });
    expect(await b1.next('typing')).toMatchObject({ from: a.id, is_typing: true });
    await block(a, b);
    a1.send({ type: 'typing', to: b.id }); // after the block: not shown, and does not restart the stop's timer for b
    expect(await b1.next('typing', (f) => f.is_typing === false, TYPING_MS * 5)).toMatchObject({ from: a.id, to: b.id });
    await new Promise((r) => setTimeout(r, TYPING_MS * 2));
    expect(b1.all('typing').map((f) => f.is_typing)).toEqual([true, false]);
  });

  it('group: a member who blocks the typist gets the stop of the indicator it was shown; one blocked before is shown neither', async () => {
    const [a, b, c] = await registerUsers(server, 3);
    const groupId = await createGroup(server, a, [b, c]);
    await block(c, a); // before the typing: c is never shown it
    const [a1, b1, c1] = await connectAll(server, [a, b, c]);
    a1.send({ type: 'typing', group_id: groupId });
    expect(await b1.next('typing')).toMatchObject({ from: a.id, group_id: groupId, is_typing: true });
    await block(b, a);
    expect(await b1.next('typing', (f) => f.is_typing === false, TYPING_MS * 5)).toMatchObject({ from: a.id, group_id: groupId });
    await expectNoFrame(c1, 'typing', 0);
  });
});
