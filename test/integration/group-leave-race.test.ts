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
