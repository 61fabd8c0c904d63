import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Message } from '../../../src/websocket/protocol.js';
import { type ContractContext, ids } from './context.js';

export function syncContract(ctx: ContractContext): void {
  const messages = () => ctx.stores().messages;
  const groups = () => ctx.stores().groups;

  /** Everything after `since`, walked page by page as the Manager does. */
  async function walk(userId: number, since: number, pageSize: number): Promise<Message[]> {
    const out: Message[] = [];
    for (let cursor = since; ; ) {
      const page = await messages().messagesSince(userId, cursor, pageSize);
      expect(page.length).toBeLessThanOrEqual(pageSize);
      out.push(...page);
      if (page.length < pageSize) return out;
      cursor = page[page.length - 1]!.id;
    }
  }

  /**
   * b sees: private messages to or from b (a note to self once), and the
   * messages of groups b has accepted. Not: other people's private messages,
   * groups b is only invited to or declined.
   */
  async function scenario() {
    const a = await ctx.user('a');
    const b = await ctx.user('b');
    const c = await ctx.user('c');
    const accepted = await groups().createGroup(a.id, 'accepted');
    const invited = await groups().createGroup(a.id, 'invited');
    const declined = await groups().createGroup(a.id, 'declined');
    const foreign = await groups().createGroup(c.id, 'foreign');
    for (const g of [accepted, invited, declined]) await groups().invite(g.id, b.id, a.id);
    await groups().respond(accepted.id, b.id, true);
    await groups().respond(declined.id, b.id, false);

    const save = async (m: Promise<{ message: Message }> | { message: Message }) => (await m).message;
    const visible: Message[] = [];
    visible.push(await save(messages().savePrivate({ from: a.id, to: b.id, content: 'a->b' })));
    await save(messages().savePrivate({ from: a.id, to: c.id, content: 'a->c' }));
    visible.push(await save(messages().saveGroup({ from: a.id, groupId: accepted.id, content: 'accepted' })));
    const inInvited = await save(messages().saveGroup({ from: a.id, groupId: invited.id, content: 'invited' }));
    visible.push(await save(messages().savePrivate({ from: b.id, to: a.id, content: 'b->a' })));
    await save(messages().saveGroup({ from: a.id, groupId: declined.id, content: 'declined' }));
    visible.push(await save(messages().savePrivate({ from: b.id, to: b.id, content: 'b->b' })));
    await save(messages().saveGroup({ from: c.id, groupId: foreign.id, content: 'foreign' }));
    visible.push(await save(messages().saveGroup({ from: b.id, groupId: accepted.id, content: 'mine' })));
    visible.push(await save(messages().savePrivate({ from: c.id, to: b.id, content: 'c->b' })));
    await save(messages().savePrivate({ from: c.id, to: a.id, content: 'c->a' }));
    return { a, b, c, invited, inInvited, visible };
  }

  it('returns, oldest first, exactly what the user may see', async () => {
    const { b, visible } = await scenario();
    expect(await messages().messagesSince(b.id, 0, 100)).toEqual(visible);
  });

  it('returns only ids above the cursor, at most `limit`, and pages to the end', async () => {
    const { b, visible } = await scenario();
    expect(await messages().messagesSince(b.id, visible[1]!.id, 100)).toEqual(visible.slice(2));
    expect(await messages().messagesSince(b.id, visible[1]!.id, 2)).toEqual(visible.slice(2, 4));
    expect(await messages().messagesSince(b.id, visible[visible.length - 1]!.id, 100)).toEqual([]);
    expect(ids(await walk(b.id, 0, 2))).toEqual(ids(visible));
    expect(ids(await walk(b.id, 0, 1))).toEqual(ids(visible));
    expect(ids(await walk(b.id, 0, visible.length))).toEqual(ids(visible));
  });

  it('a group joins the replay when the invitation is accepted, with its earlier messages', async () => {
    const { a, b, invited, inInvited, visible } = await scenario();
    await groups().respond(invited.id, b.id, true);
    const later = (await messages().saveGroup({ from: a.id, groupId: invited.id, content: 'after' })).message;
    const expected = [...visible, inInvited, later].sort((x, y) => x.id - y.id);
    expect(await messages().messagesSince(b.id, 0, 100)).toEqual(expected);
  });

  it('a third user sees none of it', async () => {
    const { visible } = await scenario();
    const outsider = await ctx.user('outsider');
    expect(await messages().messagesSince(outsider.id, 0, 100)).toEqual([]);
    const { c } = await scenario();
    const seenByC = ids(await messages().messagesSince(c.id, 0, 100));
    for (const m of visible) expect(seenByC).not.toContain(m.id);
  });
  it('any cursor and limit over many conversations: exactly the next `limit` visible messages, in id order', async () => {
    const me = await ctx.user('me');
    const peers = [await ctx.user('p'), await ctx.user('p'), await ctx.user('p'), await ctx.user('p')];
    const mine = [await groups().createGroup(me.id, 'g1'), await groups().createGroup(peers[0]!.id, 'g2')];
    await groups().invite(mine[1]!.id, me.id, peers[0]!.id);
    await groups().respond(mine[1]!.id, me.id, true);
    const other = await groups().createGroup(peers[1]!.id, 'not mine');
    // A fixed pseudo-random interleaving of 60 messages across 4 private
    // conversations, 2 groups, and conversations that are not the user's.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const visible: number[] = [];
    for (let i = 0; i < 60; i++) {
      const peer = peers[next(4)]!;
      const kind = next(5);
      if (kind === 0) visible.push((await messages().savePrivate({ from: me.id, to: peer.id, content: `${i}` })).message.id);
      else if (kind === 1) visible.push((await messages().savePrivate({ from: peer.id, to: me.id, content: `${i}` })).message.id);
      else if (kind === 2) visible.push((await messages().saveGroup({ from: peer.id, groupId: mine[next(2)]!.id, content: `${i}` })).message.id);
      else if (kind === 3) await messages().savePrivate({ from: peer.id, to: peers[(peers.indexOf(peer) + 1) % 4]!.id, content: `${i}` });
      else await messages().saveGroup({ from: peers[1]!.id, groupId: other.id, content: `${i}` });
    }
    const cursors = [0, ...visible];
    await fc.assert(
      fc.asyncProperty(fc.nat(cursors.length - 1), fc.integer({ min: 1, max: 70 }), async (at, limit) => {
        const since = cursors[at]!;
        const expected = visible.filter((id) => id > since).slice(0, limit);
        expect(ids(await messages().messagesSince(me.id, since, limit))).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
}
