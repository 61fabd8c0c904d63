/**
 * Leaving or being removed "takes effect at once" (docs/contract.md): a group message whose send began before the
 * change but is stored after it was committed and answered reaches only the members as they are then, and a
 * sender who is gone by the time the host's (slow) messagePolicy answers is refused. The Manager used to route with
 * the member list it read before the policy and the store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, connectAll, createGroup, expectNoFrame, registerUsers, startTestServer } from '../support/server.js';

describe('a member who left gets no group message stored after the leave', () => {
  afterAll(closeAll);

  it('a message admitted before the leave but stored after it does not reach the leaver', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = await startTestServer({}, {
      manager: {
        // A host policy that takes a moment (an async moderation call, say).
        messagePolicy: { check: async ({ content }) => { if (content === 'slow') await held; return { allow: true }; } },
      },
    });
    const [owner, leaver, stayer] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [leaver, stayer], [], 'Race');
    const [o, l, s] = await connectAll(server, [owner, leaver, stayer]);

    o.send({ type: 'group', group_id: groupId, content: 'slow', client_id: 'slow' });
    await new Promise((r) => setTimeout(r, 100)); // the send is past its membership check, waiting on the policy
    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', leaver.cookie).expect(200);
    release();

    const ack = await o.next('ack', (f) => f.client_id === 'slow');
    await s.next('group', (f) => f.id === ack.id);
    // Stored after the leave was committed and answered 200: the leaver must not get it.
    await expectNoFrame(l, 'group', 200, (f) => f.id === ack.id);
  });

  it('the same for a member the owner removed: a message stored after the removal does not reach them', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = await startTestServer({}, {
      manager: { messagePolicy: { check: async ({ content }) => { if (content === 'slow') await held; return { allow: true }; } } },
    });
    const [owner, removed, stayer] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [removed, stayer], [], 'Race');
    const [o, r, s] = await connectAll(server, [owner, removed, stayer]);

    s.send({ type: 'group', group_id: groupId, content: 'slow', client_id: 'slow' });
    await new Promise((res) => setTimeout(res, 100));
    await server.http.delete(`/api/groups/${groupId}/members/${removed.id}`).set('cookie', owner.cookie).expect(200);
    await r.next('notification', (f) => f.subtype === 'group_removed');
    release();

    const ack = await s.next('ack', (f) => f.client_id === 'slow');
    await o.next('group', (f) => f.id === ack.id);
    await expectNoFrame(r, 'group', 200, (f) => f.id === ack.id);
  });

  it('a message from a member the owner removed while the policy held it is refused (forbidden): nothing stored or routed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = await startTestServer({}, {
      manager: { messagePolicy: { check: async ({ content }) => { if (content === 'slow') await held; return { allow: true }; } } },
    });
    const [owner, removed, stayer] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [removed, stayer], [], 'Race');
    const [r, s] = await connectAll(server, [removed, stayer]);

    r.send({ type: 'group', group_id: groupId, content: 'slow', client_id: 'slow' });
    await new Promise((res) => setTimeout(res, 100));
    await server.http.delete(`/api/groups/${groupId}/members/${removed.id}`).set('cookie', owner.cookie).expect(200);
    release();

    // Removed before the message was stored: the send should be refused (forbidden), nothing stored or routed.
    const answer = await r.next('error', () => true, 1000).catch(() => r.next('ack'));
    await expectNoFrame(s, 'group', 200, (f) => f.content === 'slow');
    expect(answer).toMatchObject({ type: 'error', code: 'forbidden' });
  });
});
