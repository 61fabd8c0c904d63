/** Message requests and blocks (contract section 6): what both stores must answer the same. */
import { expect, it } from 'vitest';
import type { ConsentStore } from '../../../src/websocket/consent-store.js';
import { sortNumbers, type ContractContext } from './context.js';

export function consentContract(ctx: ContractContext): void {
  const consent = (): ConsentStore => {
    const store = ctx.stores().consent;
    if (!store) throw new Error('the store has no consent store');
    return store;
  };
  const messages = () => ctx.stores().messages;
  const none = { blocking: false, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false };

  it('relation: who has written to whom, one row per direction, kept by the messages themselves', async () => {
    const [stranger, me] = [await ctx.user('stranger'), await ctx.user('me')];
    expect(await consent().relation(stranger.id, me.id)).toEqual(none);

    await messages().savePrivate({ from: stranger.id, to: me.id, content: 'hello?' });
    expect(await consent().relation(stranger.id, me.id)).toEqual({ ...none, wrote: true });
    expect(await consent().relation(me.id, stranger.id)).toEqual({ ...none, peerWrote: true });
    // A group message accepts no private conversation; sharing an accepted group is known apart.
    const groups = ctx.stores().groups;
    const g = await groups.createGroup(me.id, 'g');
    await messages().saveGroup({ from: me.id, groupId: g.id, content: 'in the group' });
    await groups.invite(g.id, stranger.id, me.id);
    expect(await consent().relation(me.id, stranger.id)).toEqual({ ...none, peerWrote: true });
    await groups.respond(g.id, stranger.id, true);
    expect(await consent().relation(me.id, stranger.id)).toEqual({ ...none, peerWrote: true, shareGroup: true });
    expect(await consent().relation(stranger.id, me.id)).toEqual({ ...none, wrote: true, shareGroup: true });

    await messages().savePrivate({ from: me.id, to: stranger.id, content: 'hi' });
    expect(await consent().relation(me.id, stranger.id)).toEqual({ ...none, wrote: true, peerWrote: true, shareGroup: true });
  });

  it("recordWrite: what a host's persister's message means, idempotent, one direction, no message stored", async () => {
    const [writer, reader] = [await ctx.user('writer'), await ctx.user('reader')];
    const store = consent();
    if (!store.recordWrite) throw new Error('a bundled consent store records writes');
    await store.recordWrite(writer.id, reader.id);
    await store.recordWrite(writer.id, reader.id);
    expect(await store.relation(writer.id, reader.id)).toEqual({ ...none, wrote: true });
    expect(await store.relation(reader.id, writer.id)).toEqual({ ...none, peerWrote: true });
    expect((await messages().privateHistory(writer.id, reader.id, { limit: 5 })).items).toEqual([]);
  });

  it('privateContactsOf: private conversations both have written in, never anyone blocked either way', async () => {
    const [me, friend, fan, foe] = [await ctx.user('me'), await ctx.user('friend'), await ctx.user('fan'), await ctx.user('foe')];
    const store = consent();
    if (!store.privateContactsOf) throw new Error('a bundled consent store lists private contacts');
    await messages().savePrivate({ from: me.id, to: friend.id, content: 'hi' });
    await messages().savePrivate({ from: friend.id, to: me.id, content: 'hello' });
    await messages().savePrivate({ from: fan.id, to: me.id, content: 'a request' });
    await store.recordWrite!(me.id, foe.id);
    await store.recordWrite!(foe.id, me.id);
    expect(sortNumbers([...(await store.privateContactsOf(me.id))])).toEqual(sortNumbers([friend.id, foe.id]));
    await store.block(foe.id, me.id);
    expect(await store.privateContactsOf(me.id)).toEqual([friend.id]);
    expect(await store.privateContactsOf(fan.id)).toEqual([]);
  });

  it('block, unblock and the list: idempotent, one direction each, most recent first', async () => {
    const [me, pest, spammer, other] = [await ctx.user('me'), await ctx.user('pest'), await ctx.user('spammer'), await ctx.user('other')];
    expect(await consent().blockedBy(me.id)).toEqual([]);
    expect(await consent().block(me.id, pest.id)).toBe(true);
    expect(await consent().block(me.id, pest.id)).toBe(false);
    await new Promise((r) => setTimeout(r, 2)); // distinct creation times for the order
    expect(await consent().block(me.id, spammer.id)).toBe(true);

    expect(await consent().relation(me.id, pest.id)).toEqual({ ...none, blocking: true });
    expect(await consent().relation(pest.id, me.id)).toEqual({ ...none, blockedBy: true });
    expect(await consent().relation(me.id, other.id)).toEqual(none);
    const list = await consent().blockedBy(me.id);
    expect(list.map((b) => b.user_id)).toEqual([spammer.id, pest.id]);
    for (const b of list) expect(b.since).toEqual(expect.any(Number));
    expect(await consent().blockedBy(pest.id)).toEqual([]);
    expect(sortNumbers(await consent().blockedEitherWay(me.id))).toEqual(sortNumbers([pest.id, spammer.id]));
    expect(await consent().blockedEitherWay(pest.id)).toEqual([me.id]);
    expect(await consent().blockedEitherWay(other.id)).toEqual([]);

    expect(await consent().unblock(me.id, pest.id)).toBe(true);
    expect(await consent().unblock(me.id, pest.id)).toBe(false);
    expect(await consent().relation(pest.id, me.id)).toEqual(none);
    expect((await consent().blockedBy(me.id)).map((b) => b.user_id)).toEqual([spammer.id]);
  });

  it('contactsOf leaves out users blocked either way, group mates included, and takes them back on unblock', async () => {
    const [me, friend, mate, other] = [await ctx.user('me'), await ctx.user('friend'), await ctx.user('mate'), await ctx.user('other')];
    const groups = ctx.stores().groups;
    const g = await groups.createGroup(me.id, 'g');
    await groups.invite(g.id, mate.id, me.id);
    await groups.respond(g.id, mate.id, true);
    await messages().savePrivate({ from: friend.id, to: me.id, content: 'hi' });
    await messages().savePrivate({ from: me.id, to: friend.id, content: 'hi' });
    await messages().savePrivate({ from: other.id, to: me.id, content: 'hi' });
    await messages().savePrivate({ from: me.id, to: other.id, content: 'hi' });
    expect(sortNumbers(await groups.contactsOf!(me.id))).toEqual(sortNumbers([friend.id, mate.id, other.id]));

    await consent().block(me.id, friend.id);
    await consent().block(mate.id, me.id);
    expect(await groups.contactsOf!(me.id)).toEqual([other.id]);
    expect(await groups.contactsOf!(friend.id)).toEqual([]);
    expect(await groups.contactsOf!(mate.id)).toEqual([]);

    await consent().unblock(me.id, friend.id);
    await consent().unblock(mate.id, me.id);
    expect(sortNumbers(await groups.contactsOf!(me.id))).toEqual(sortNumbers([friend.id, mate.id, other.id]));
  });

  it('conversations: request until the user writes in it, for the recipient only, never from a group mate', async () => {
    const [me, stranger, mate] = [await ctx.user('me'), await ctx.user('stranger'), await ctx.user('mate')];
    const groups = ctx.stores().groups;
    const g = await groups.createGroup(mate.id, 'g');
    await groups.invite(g.id, me.id, mate.id);
    await groups.respond(g.id, me.id, true);
    const fromMate = (await messages().savePrivate({ from: mate.id, to: me.id, content: 'hi from the group' })).message;
    expect(await ctx.stores().conversations.conversations(me.id)).toEqual([
      { kind: 'private', user_id: mate.id, last_message: fromMate, unread: 1 },
    ]);

    const first = (await messages().savePrivate({ from: stranger.id, to: me.id, content: 'hello?' })).message;
    expect((await ctx.stores().conversations.conversations(me.id)).filter((c) => c.kind === 'private' && c.user_id === stranger.id)).toEqual([
      { kind: 'private', user_id: stranger.id, last_message: first, unread: 1, request: true },
    ]);
    expect(await ctx.stores().conversations.conversations(stranger.id)).toEqual([
      { kind: 'private', user_id: me.id, last_message: first, unread: 0 },
    ]);
    const reply = (await messages().savePrivate({ from: me.id, to: stranger.id, content: 'hi' })).message;
    expect((await ctx.stores().conversations.conversations(me.id))[0]).toEqual({ kind: 'private', user_id: stranger.id, last_message: reply, unread: 1 });
  });
}
