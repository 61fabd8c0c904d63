import { expect, it } from 'vitest';
import type { PrivateMessage } from '../../../src/websocket/protocol.js';
import { type ContractContext, MISSING, expectParlorError, ids } from './context.js';

/** A history item without the optional `status`, to compare with what a save returned. */
const bare = ({ status: _status, ...m }: PrivateMessage): PrivateMessage => m;

export function messageContract(ctx: ContractContext): void {
  const messages = () => ctx.stores().messages;

  it('savePrivate returns exactly {id, from, to, content, timestamp}', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const before = Date.now();
    const saved = await messages().savePrivate({ from: a.id, to: b.id, content: 'hello' });
    const after = Date.now();
    expect(saved.duplicate).toBe(false);
    expect(Object.keys(saved.message).sort()).toEqual(['content', 'from', 'id', 'timestamp', 'to']);
    expect(saved.message).toEqual({ id: saved.message.id, from: a.id, to: b.id, content: 'hello', timestamp: saved.message.timestamp });
    expect(Number.isInteger(saved.message.id) && saved.message.id > 0).toBe(true);
    expect(saved.message.timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(saved.message.timestamp).toBeLessThanOrEqual(after + 1000);
  });

  it('stores content exactly as given', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const content = '  spaced\n\ttabs "quotes" \'single\' émoji 🎉 ' + 'x'.repeat(4000);
    const saved = await messages().savePrivate({ from: a.id, to: b.id, content });
    const page = await messages().privateHistory(b.id, a.id, { limit: 10 });
    expect(page.items.map(bare)).toEqual([saved.message]);
    expect(page.items[0]?.content).toBe(content);
  });

  it('the same (sender, client_id) twice stores one message and returns the first', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const first = await messages().savePrivate({ from: a.id, to: b.id, content: 'once', clientId: 'c-1' });
    const again = await messages().savePrivate({ from: a.id, to: b.id, content: 'twice', clientId: 'c-1' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ message: first.message, duplicate: true });
    const page = await messages().privateHistory(a.id, b.id, { limit: 10 });
    expect(page.items.map(bare)).toEqual([first.message]);
  });

  it('the same client_id from a different sender is a different message', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const fromA = await messages().savePrivate({ from: a.id, to: b.id, content: 'a', clientId: 'shared' });
    const fromB = await messages().savePrivate({ from: b.id, to: a.id, content: 'b', clientId: 'shared' });
    expect(fromB.duplicate).toBe(false);
    expect(fromB.message.id).not.toBe(fromA.message.id);
    expect(ids((await messages().privateHistory(a.id, b.id, { limit: 10 })).items)).toEqual([fromB.message.id, fromA.message.id]);
  });

  it('messageByClientId: the message a sender stored under a client_id, private or group; null for another sender or an unknown id', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const toB = await messages().savePrivate({ from: a.id, to: b.id, content: 'private', clientId: 'look-1' });
    const toGroup = await messages().saveGroup({ from: a.id, groupId: 424_242, content: 'group', clientId: 'look-2' });
    expect(await messages().messageByClientId(a.id, 'look-1')).toEqual(toB.message);
    expect(await messages().messageByClientId(a.id, 'look-2')).toEqual(toGroup.message);
    expect(await messages().messageByClientId(b.id, 'look-1')).toBeNull();
    expect(await messages().messageByClientId(a.id, 'never-sent')).toBeNull();
  });

  it('the same client_id twice in one batch (same tick) stores one message', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const [x, y] = await Promise.all([
      messages().savePrivate({ from: a.id, to: b.id, content: 'first', clientId: 'batch' }),
      messages().savePrivate({ from: a.id, to: b.id, content: 'second', clientId: 'batch' }),
    ]);
    expect(x.duplicate).toBe(false);
    expect(y).toEqual({ message: x.message, duplicate: true });
    expect(x.message.content).toBe('first');
    expect(ids((await messages().privateHistory(a.id, b.id, { limit: 10 })).items)).toEqual([x.message.id]);
  });

  it('a client_id used for a private message cannot name a group message', async () => {
    const a = await ctx.user();
    const g = await ctx.stores().groups.createGroup(a.id, 'g');
    await messages().savePrivate({ from: a.id, to: a.id, content: 'p', clientId: 'kind' });
    await expectParlorError(() => messages().saveGroup({ from: a.id, groupId: g.id, content: 'g', clientId: 'kind' }), 'bad_request');
    expect((await messages().groupHistory(g.id, { limit: 10 })).items).toEqual([]);
  });

  it('a client_id used for a message to one conversation cannot name a message to another (a resend is to the same one)', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const c = await ctx.user();
    const [g1, g2] = [await ctx.stores().groups.createGroup(a.id, 'g1'), await ctx.stores().groups.createGroup(a.id, 'g2')];
    await messages().savePrivate({ from: a.id, to: b.id, content: 'to b', clientId: 'target-p' });
    const refused = await expectParlorError(() => messages().savePrivate({ from: a.id, to: c.id, content: 'to c', clientId: 'target-p' }), 'bad_request');
    expect(refused.message).toBe('client_id target-p was already used for a message to another conversation');
    await expectParlorError(() => messages().savePrivate({ from: a.id, to: a.id, content: 'to self', clientId: 'target-p' }), 'bad_request');
    await messages().saveGroup({ from: a.id, groupId: g1.id, content: 'to g1', clientId: 'target-g' });
    await expectParlorError(() => messages().saveGroup({ from: a.id, groupId: g2.id, content: 'to g2', clientId: 'target-g' }), 'bad_request');
    expect((await messages().privateHistory(a.id, c.id, { limit: 10 })).items).toEqual([]);
    expect((await messages().privateHistory(a.id, a.id, { limit: 10 })).items).toEqual([]);
    expect((await messages().groupHistory(g2.id, { limit: 10 })).items).toEqual([]);
  });

  it('one bad write fails alone: the others sent in the same tick are stored', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    await messages().savePrivate({ from: a.id, to: b.id, content: 'earlier', clientId: 'taken' });
    const results = await Promise.allSettled([
      messages().savePrivate({ from: a.id, to: b.id, content: 'one' }),
      // A client_id already used for a private message cannot name a group message.
      messages().saveGroup({ from: a.id, groupId: MISSING, content: 'lost', clientId: 'taken' }),
      messages().savePrivate({ from: a.id, to: b.id, content: 'two' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'ParlorError', code: 'bad_request' });
    const page = await messages().privateHistory(a.id, b.id, { limit: 10 });
    expect(page.items.map((m) => m.content)).toEqual(['two', 'one', 'earlier']);
  });

  it('ids only increase, across private and group messages', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const g = await ctx.stores().groups.createGroup(a.id, 'g');
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push((await messages().savePrivate({ from: a.id, to: b.id, content: `p${i}` })).message.id);
      seen.push((await messages().saveGroup({ from: a.id, groupId: g.id, content: `g${i}` })).message.id);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it('saveGroup returns exactly {id, from, group_id, content, timestamp}, idempotent per client_id', async () => {
    const a = await ctx.user();
    const g = await ctx.stores().groups.createGroup(a.id, 'g');
    const saved = await messages().saveGroup({ from: a.id, groupId: g.id, content: 'hi all', clientId: 'g-1' });
    expect(saved.duplicate).toBe(false);
    expect(Object.keys(saved.message).sort()).toEqual(['content', 'from', 'group_id', 'id', 'timestamp']);
    expect(saved.message).toMatchObject({ from: a.id, group_id: g.id, content: 'hi all' });
    expect(await messages().saveGroup({ from: a.id, groupId: g.id, content: 'again', clientId: 'g-1' })).toEqual({
      message: saved.message,
      duplicate: true,
    });
    const [x, y] = await Promise.all([
      messages().saveGroup({ from: a.id, groupId: g.id, content: 'x', clientId: 'g-2' }),
      messages().saveGroup({ from: a.id, groupId: g.id, content: 'y', clientId: 'g-2' }),
    ]);
    expect([x.duplicate, y.duplicate]).toEqual([false, true]);
    expect(y.message).toEqual(x.message);
    expect((await messages().groupHistory(g.id, { limit: 10 })).items).toEqual([x.message, saved.message]);
  });

  it("saveGroup stores a message for a group with no row here (a host's group): who may write is asked before, of the GroupMemberFetcher", async () => {
    const a = await ctx.user();
    const hostGroup = MISSING - 3;
    const saved = await messages().saveGroup({ from: a.id, groupId: hostGroup, content: 'host group' });
    expect(saved.message).toMatchObject({ from: a.id, group_id: hostGroup, content: 'host group' });
    expect((await messages().groupHistory(hostGroup, { limit: 10 })).items).toEqual([saved.message]);
  });

  it('privateHistory: one conversation, both directions, newest first, with limit/offset/before/hasMore', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const c = await ctx.user();
    const sent: PrivateMessage[] = [];
    for (let i = 0; i < 5; i++) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      sent.push((await messages().savePrivate({ from: from.id, to: to.id, content: `m${i}` })).message);
      // Messages involving a third user, interleaved: never in a/b's history.
      await messages().savePrivate({ from: a.id, to: c.id, content: 'a->c' });
      await messages().savePrivate({ from: c.id, to: b.id, content: 'c->b' });
    }
    const newest = ids(sent).reverse();
    const history = (page: Parameters<ReturnType<typeof messages>['privateHistory']>[2]) =>
      Promise.resolve(messages().privateHistory(a.id, b.id, page));

    const all = await history({ limit: 50 });
    expect(all.items.map(bare)).toEqual([...sent].reverse());
    expect(all.hasMore).toBe(false);
    expect((await messages().privateHistory(b.id, a.id, { limit: 50 })).items.map(bare)).toEqual([...sent].reverse());

    expect(await history({ limit: 5 }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest, false]);
    expect(await history({ limit: 4 }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest.slice(0, 4), true]);
    expect(await history({ limit: 2 }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest.slice(0, 2), true]);
    expect(await history({ limit: 2, offset: 2 }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest.slice(2, 4), true]);
    expect(await history({ limit: 2, offset: 3 }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest.slice(3, 5), false]);
    expect(await history({ limit: 2, offset: 5 }).then((p) => [ids(p.items), p.hasMore])).toEqual([[], false]);
    expect(await history({ limit: 2, before: newest[1] }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest.slice(2, 4), true]);
    expect(await history({ limit: 3, before: newest[1] }).then((p) => [ids(p.items), p.hasMore])).toEqual([newest.slice(2, 5), false]);
    expect(await history({ limit: 2, before: newest[4] }).then((p) => [ids(p.items), p.hasMore])).toEqual([[], false]);
    // limit 0 (the routes pass it on): no rows, and whether there are any.
    expect(await history({ limit: 0 }).then((p) => [ids(p.items), p.hasMore])).toEqual([[], true]);
    expect(await history({ limit: 0, before: newest[4] }).then((p) => [ids(p.items), p.hasMore])).toEqual([[], false]);
    // before is exclusive even when it names a message of another conversation.
    expect(await history({ limit: 50, before: newest[0]! + 1 }).then((p) => ids(p.items))).toEqual(newest);
  });

  it('privateHistory of a conversation with oneself lists each message once', async () => {
    const a = await ctx.user();
    const one = await messages().savePrivate({ from: a.id, to: a.id, content: 'note 1' });
    const two = await messages().savePrivate({ from: a.id, to: a.id, content: 'note 2' });
    expect((await messages().privateHistory(a.id, a.id, { limit: 10 })).items.map(bare)).toEqual([two.message, one.message]);
  });

  it('groupHistory: one group, newest first, with limit/offset/before/hasMore', async () => {
    const a = await ctx.user();
    const b = await ctx.user();
    const g = await ctx.stores().groups.createGroup(a.id, 'g');
    const other = await ctx.stores().groups.createGroup(a.id, 'other');
    const sent = [];
    for (let i = 0; i < 4; i++) {
      sent.push((await messages().saveGroup({ from: i % 2 ? b.id : a.id, groupId: g.id, content: `m${i}` })).message);
      await messages().saveGroup({ from: a.id, groupId: other.id, content: 'elsewhere' });
      await messages().savePrivate({ from: a.id, to: b.id, content: 'private' });
    }
    const newest = [...sent].reverse();
    expect(await messages().groupHistory(g.id, { limit: 10 })).toEqual({ items: newest, hasMore: false });
    expect(await messages().groupHistory(g.id, { limit: 4 })).toEqual({ items: newest, hasMore: false });
    expect(await messages().groupHistory(g.id, { limit: 3 })).toEqual({ items: newest.slice(0, 3), hasMore: true });
    expect(await messages().groupHistory(g.id, { limit: 2, offset: 1 })).toEqual({ items: newest.slice(1, 3), hasMore: true });
    expect(await messages().groupHistory(g.id, { limit: 2, offset: 2 })).toEqual({ items: newest.slice(2, 4), hasMore: false });
    expect(await messages().groupHistory(g.id, { limit: 1, before: newest[2]!.id })).toEqual({ items: [newest[3]], hasMore: false });
    expect(await messages().groupHistory(g.id, { limit: 1, before: newest[1]!.id })).toEqual({ items: [newest[2]], hasMore: true });
    expect(await messages().groupHistory(MISSING, { limit: 10 })).toEqual({ items: [], hasMore: false });
  });
}
