import { expect, it } from 'vitest';
import type { Conversation } from '../../../src/store/types.js';
import { UNREAD_CAP } from '../../../src/store/unread.js';
import { type ContractContext, MISSING } from './context.js';

export function readStateContract(ctx: ContractContext): void {
  const messages = () => ctx.stores().messages;
  const groups = () => ctx.stores().groups;
  const conversations = async (userId: number): Promise<Conversation[]> =>
    ctx.stores().conversations.conversations(userId);
  const statuses = async (userId: number, otherId: number) =>
    Object.fromEntries((await messages().privateHistory(userId, otherId, { limit: 50 })).items.map((m) => [m.content, m.status]));

  it('markDelivered is true once, and only for a private message to that recipient', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const g = await groups().createGroup(a.id, 'g');
    const m = (await messages().savePrivate({ from: a.id, to: b.id, content: 'm' })).message;
    const gm = (await messages().saveGroup({ from: a.id, groupId: g.id, content: 'g' })).message;
    expect(await statuses(a.id, b.id)).toEqual({ m: 'sent' });
    expect(await messages().markDelivered(m.id, a.id)).toBe(false);
    expect(await messages().markDelivered(gm.id, a.id)).toBe(false);
    expect(await messages().markDelivered(MISSING, b.id)).toBe(false);
    expect(await messages().markDelivered(m.id, b.id)).toBe(true);
    expect(await messages().markDelivered(m.id, b.id)).toBe(false);
    expect(await statuses(a.id, b.id)).toEqual({ m: 'delivered' });
  });

  it('markRead marks the message and the earlier ones from that sender, nothing else', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const c = await ctx.user();
    const save = async (from: number, to: number, content: string) =>
      (await messages().savePrivate({ from, to, content })).message;
    const m1 = await save(a.id, b.id, 'm1');
    await save(c.id, b.id, 'c1');
    const m2 = await save(a.id, b.id, 'm2');
    await save(b.id, a.id, 'reply');
    const m3 = await save(a.id, b.id, 'm3');

    // Neither was delivered: the read marks them delivered too, and names them, so that they are announced once.
    expect(await messages().markRead(b.id, m2.id)).toEqual({ senderId: a.id, messageId: m2.id, delivered: [m1.id, m2.id] });
    expect(await statuses(b.id, a.id)).toEqual({ m1: 'read', m2: 'read', reply: 'sent', m3: 'sent' });
    expect(await statuses(b.id, c.id)).toEqual({ c1: 'sent' });
    // An older message again: still the sender and that message, but unchanged; nothing moves back, nothing delivered anew.
    expect(await messages().markRead(b.id, m1.id)).toEqual({ senderId: a.id, messageId: m1.id, unchanged: true });
    expect(await messages().markRead(b.id, m2.id)).toEqual({ senderId: a.id, messageId: m2.id, unchanged: true });
    expect(await statuses(b.id, a.id)).toEqual({ m1: 'read', m2: 'read', reply: 'sent', m3: 'sent' });
    // Delivered before it is read: the delivered mark announced it, the read does not again.
    expect(await messages().markDelivered(m3.id, b.id)).toBe(true);
    expect(await messages().markRead(b.id, m3.id)).toEqual({ senderId: a.id, messageId: m3.id });
    expect((await statuses(b.id, a.id)).m3).toBe('read');
    // Read implies delivered: a later markDelivered reports nothing new.
    const m4 = await save(a.id, b.id, 'm4');
    expect(await messages().markRead(b.id, m4.id)).toEqual({ senderId: a.id, messageId: m4.id, delivered: [m4.id] });
    expect(await messages().markDelivered(m4.id, b.id)).toBe(false);
  });

  it('markRead is null unless the message is a private message to the user', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const c = await ctx.user();
    const g = await groups().createGroup(a.id, 'g');
    await groups().invite(g.id, b.id, a.id);
    await groups().respond(g.id, b.id, true);
    const m = (await messages().savePrivate({ from: a.id, to: b.id, content: 'm' })).message;
    const gm = (await messages().saveGroup({ from: a.id, groupId: g.id, content: 'g' })).message;
    expect(await messages().markRead(a.id, m.id)).toBeNull();
    expect(await messages().markRead(c.id, m.id)).toBeNull();
    expect(await messages().markRead(b.id, gm.id)).toBeNull();
    expect(await messages().markRead(b.id, MISSING)).toBeNull();
    expect(await statuses(a.id, b.id)).toEqual({ m: 'sent' });
  });

  it('markGroupRead moves the marker only forward, only with a message of that group', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const g = await groups().createGroup(a.id, 'g');
    const other = await groups().createGroup(a.id, 'other');
    await groups().invite(g.id, b.id, a.id);
    await groups().respond(g.id, b.id, true);
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push((await messages().saveGroup({ from: a.id, groupId: g.id, content: `m${i}` })).message);
    const elsewhere = (await messages().saveGroup({ from: a.id, groupId: other.id, content: 'x' })).message;
    const pm = (await messages().savePrivate({ from: a.id, to: b.id, content: 'p' })).message;
    const unread = async () => (await conversations(b.id)).find((c) => c.kind === 'group' && c.group_id === g.id)?.unread;

    expect(await unread()).toBe(4);
    expect(await messages().markGroupRead(b.id, g.id, elsewhere.id)).toBe(false);
    expect(await messages().markGroupRead(b.id, g.id, pm.id)).toBe(false);
    expect(await messages().markGroupRead(b.id, g.id, MISSING)).toBe(false);
    expect(await unread()).toBe(4);
    expect(await messages().markGroupRead(b.id, g.id, sent[2]!.id)).toBe(true);
    expect(await unread()).toBe(1);
    // Backward: the message is in the group, but the marker stays where it is, and says so.
    expect(await messages().markGroupRead(b.id, g.id, sent[0]!.id)).toBe('unchanged');
    expect(await unread()).toBe(1);
    expect(await messages().markGroupRead(b.id, g.id, sent[3]!.id)).toBe(true);
    expect(await unread()).toBe(0);
  });

  it('unread stops at UNREAD_CAP: it counts the others\' messages among the newest UNREAD_CAP after the marker', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const g = await groups().createGroup(a.id, 'busy');
    await groups().invite(g.id, b.id, a.id);
    await groups().respond(g.id, b.id, true);
    const many = UNREAD_CAP + 20;
    const fromA = await Promise.all(
      Array.from({ length: many }, (_, i) => Promise.resolve(messages().savePrivate({ from: a.id, to: b.id, content: `p${i}` })).then((s) => s.message)),
    );
    const inGroup = await Promise.all(
      Array.from({ length: many }, (_, i) => Promise.resolve(messages().saveGroup({ from: a.id, groupId: g.id, content: `g${i}` })).then((s) => s.message)),
    );
    fromA.sort((x, y) => x.id - y.id);
    inGroup.sort((x, y) => x.id - y.id);
    const unread = async () => Object.fromEntries((await conversations(b.id)).map((c) => [c.kind, c.unread]));
    expect(await unread()).toEqual({ private: UNREAD_CAP, group: UNREAD_CAP });
    // Below the cap the count is exact again.
    await messages().markRead(b.id, fromA[9]!.id); // 110 after the marker: still capped
    await messages().markGroupRead(b.id, g.id, inGroup[many - 6]!.id);
    expect(await unread()).toEqual({ private: UNREAD_CAP, group: 5 });
    await messages().markRead(b.id, fromA[many - UNREAD_CAP + 9]!.id);
    expect(await unread()).toEqual({ private: UNREAD_CAP - 10, group: 5 });
    // Own messages take places among the newest but never count.
    await messages().savePrivate({ from: b.id, to: a.id, content: 'reply' });
    expect((await unread()).private).toBe(UNREAD_CAP - 10);
  });

  it('conversations: private peers and accepted groups with messages, newest first, with unread counts', async () => {
    const me = await ctx.user('me');
    const old = await ctx.user('old');
    const peer = await ctx.user('peer');
    const owner = await ctx.user('owner');
    const g = await groups().createGroup(owner.id, 'talk');
    const silent = await groups().createGroup(owner.id, 'silent');
    const pending = await groups().createGroup(owner.id, 'pending');
    for (const x of [g, silent, pending]) await groups().invite(x.id, me.id, owner.id);
    await groups().respond(g.id, me.id, true);
    await groups().respond(silent.id, me.id, true);

    const fromOld = (await messages().savePrivate({ from: old.id, to: me.id, content: 'long ago' })).message;
    await messages().savePrivate({ from: peer.id, to: me.id, content: 'p1' });
    const p2 = (await messages().savePrivate({ from: peer.id, to: me.id, content: 'p2' })).message;
    await messages().saveGroup({ from: owner.id, groupId: g.id, content: 'g1' });
    await messages().saveGroup({ from: owner.id, groupId: pending.id, content: 'not mine yet' });
    const myReply = (await messages().savePrivate({ from: me.id, to: peer.id, content: 'mine' })).message;
    const g2 = (await messages().saveGroup({ from: me.id, groupId: g.id, content: 'g2 mine' })).message;
    const note = (await messages().savePrivate({ from: me.id, to: me.id, content: 'note' })).message;

    expect(await conversations(me.id)).toEqual([
      { kind: 'private', user_id: me.id, last_message: note, unread: 0 },
      { kind: 'group', group_id: g.id, last_message: g2, unread: 1 },
      { kind: 'private', user_id: peer.id, last_message: myReply, unread: 2 },
      // Never answered: a message request (contract section 6).
      { kind: 'private', user_id: old.id, last_message: fromOld, unread: 1, request: true },
    ]);

    await messages().markRead(me.id, p2.id);
    await messages().markRead(me.id, fromOld.id);
    const after = await conversations(me.id);
    expect(after.map((c) => c.unread)).toEqual([0, 1, 0, 0]);
    expect(await conversations(peer.id)).toEqual([{ kind: 'private', user_id: me.id, last_message: myReply, unread: 1 }]);
    expect(await conversations((await ctx.user()).id)).toEqual([]);
  });
}
