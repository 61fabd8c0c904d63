/**
 * What changes while a host's (slow) messagePolicy holds a message counts when it is stored. Leaving or being
 * removed "takes effect at once" (docs/contract.md): the group message reaches only the members as they are after
 * the policy, and a sender gone by then is refused. A block answered meanwhile refuses the private message
 * (contract section 6: "refused (forbidden, nothing stored)"). The Manager used to use what it read before the policy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, connectAll, createGroup, expectNoFrame, registerUsers, startTestServer } from '../support/server.js';

describe('a member who left gets no group message stored after the leave', () => {
  afterAll(closeAll);

  /**
   * A group of three (the owner and two members, all connected) on a server whose host policy holds a message
   * with content 'slow' until `release()`: an async moderation call, say.
   */
  async function heldByPolicy() {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = await startTestServer({}, {
      manager: { messagePolicy: { check: async ({ content }) => { if (content === 'slow') await held; return { allow: true }; } } },
    });
    const [owner, first, second] = await registerUsers(server, 3);
    const groupId = await createGroup(server, owner, [first, second], [], 'Race');
    const [o, f, s] = await connectAll(server, [owner, first, second]);
    /** Sends 'slow' from `from`, and lets it wait on the policy past its membership check. */
    const sendHeld = async (from: typeof o) => {
      from.send({ type: 'group', group_id: groupId, content: 'slow', client_id: 'slow' });
      await new Promise((r) => setTimeout(r, 100));
    };
    return { server, release, groupId, owner, first, second, o, f, s, sendHeld };
  }

  it('a message admitted before the leave but stored after it does not reach the leaver', async () => {
    const { server, release, groupId, first: leaver, o, f: l, s, sendHeld } = await heldByPolicy();
    await sendHeld(o);
    await server.http.post(`/api/groups/${groupId}/leave`).set('cookie', leaver.cookie).expect(200);
    release();
    const ack = await o.next('ack', (f) => f.client_id === 'slow');
    await s.next('group', (f) => f.id === ack.id);
    // Stored after the leave was committed and answered 200: the leaver must not get it.
    await expectNoFrame(l, 'group', 200, (f) => f.id === ack.id);
  });

  it('the same for a member the owner removed: a message stored after the removal does not reach them', async () => {
    const { server, release, groupId, owner, first: removed, o, f: r, s, sendHeld } = await heldByPolicy();
    await sendHeld(s);
    await server.http.delete(`/api/groups/${groupId}/members/${removed.id}`).set('cookie', owner.cookie).expect(200);
    await r.next('notification', (f) => f.subtype === 'group_removed');
    release();
    const ack = await s.next('ack', (f) => f.client_id === 'slow');
    await o.next('group', (f) => f.id === ack.id);
    await expectNoFrame(r, 'group', 200, (f) => f.id === ack.id);
  });

  it('a message from a member the owner removed while the policy held it is refused (forbidden): nothing stored or routed', async () => {
    const { server, release, groupId, owner, first: removed, f: r, s, sendHeld } = await heldByPolicy();
    await sendHeld(r);
    await server.http.delete(`/api/groups/${groupId}/members/${removed.id}`).set('cookie', owner.cookie).expect(200);
    release();
    expect(await r.next('error', (f) => f.client_id === 'slow')).toMatchObject({ code: 'forbidden' });
    await expectNoFrame(s, 'group', 200, (f) => f.content === 'slow');
    const history = await server.http.get(`/api/messages/group?group=${groupId}`).set('cookie', owner.cookie).expect(200);
    expect(history.body.messages.map((m: { content: string }) => m.content)).not.toContain('slow');
  });
});

describe('a block answered while the policy holds a private message', () => {
  afterAll(closeAll);

  it('refuses the message (forbidden): nothing stored or delivered', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const server = await startTestServer({}, {
      manager: { messagePolicy: { check: async ({ content }) => { if (content === 'slow') await held; return { allow: true }; } } },
    });
    const [me, pest] = await registerUsers(server, 2);
    const [m, p] = await connectAll(server, [me, pest]);
    p.send({ type: 'private', to: me.id, content: 'slow', client_id: 'slow' });
    await new Promise((r) => setTimeout(r, 100)); // past its admission, waiting on the policy
    await server.http.post(`/api/users/${pest.id}/block`).set('cookie', me.cookie).expect(201);
    release();
    expect(await p.next('error', (f) => f.client_id === 'slow')).toMatchObject({ code: 'forbidden' });
    await expectNoFrame(m, 'private', 200, (f) => f.content === 'slow');
    const history = await server.http.get(`/api/messages/private?user=${pest.id}`).set('cookie', me.cookie).expect(200);
    expect(history.body.messages).toEqual([]);
  });
});
