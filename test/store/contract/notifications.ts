import { expect, it } from 'vitest';
import { UNREAD_CAP } from '../../../src/store/unread.js';
import { type ContractContext, MISSING, ids } from './context.js';

export function notificationContract(ctx: ContractContext): void {
  const save = (userId: number, subtype: string, message: string, data?: Record<string, unknown>) =>
    Promise.resolve(ctx.stores().messages.saveNotification(userId, subtype, message, data));
  const notifications = () => ctx.stores().notifications;

  it('saveNotification returns {id, subtype, message, timestamp} plus the data fields', async () => {
    const u = await ctx.user();
    const before = Date.now();
    const n = await save(u.id, 'group_invite', 'You were invited', { group_id: 7, from: 3, group_name: 'x' });
    expect(n).toEqual({
      id: n.id,
      subtype: 'group_invite',
      message: 'You were invited',
      timestamp: n.timestamp,
      group_id: 7,
      from: 3,
      group_name: 'x',
    });
    expect(Number.isInteger(n.id) && n.id > 0).toBe(true);
    expect(Math.abs(n.timestamp - before)).toBeLessThan(5000);
    const bare = await save(u.id, 'system', 'plain');
    expect(Object.keys(bare).sort()).toEqual(['id', 'message', 'subtype', 'timestamp']);
  });

  it('data never overrides the stored fields', async () => {
    const u = await ctx.user();
    const n = await save(u.id, 'real', 'real message', { id: -1, subtype: 'fake', read: true, timestamp: 0, extra: [1, 'two'] });
    expect(n.id).toBeGreaterThan(0);
    expect(n).toMatchObject({ subtype: 'real', message: 'real message', extra: [1, 'two'] });
    expect(n.timestamp).toBeGreaterThan(0);
    const [listed] = (await notifications().list(u.id, { limit: 1 })).items;
    expect(listed).toEqual({ ...n, read: false });
  });

  it('list: the user own notifications, newest first, with read and the data fields; pages', async () => {
    const u = await ctx.user();
    const other = await ctx.user();
    const saved = [];
    for (let i = 0; i < 4; i++) {
      saved.push(await save(u.id, 'kind', `n${i}`, { n: i }));
      await save(other.id, 'kind', 'not yours');
    }
    const newest = [...saved].reverse().map((n) => ({ ...n, read: false }));
    expect(await notifications().list(u.id, { limit: 10 })).toEqual({ items: newest, hasMore: false });
    expect(await notifications().list(u.id, { limit: 4 })).toEqual({ items: newest, hasMore: false });
    expect(await notifications().list(u.id, { limit: 3 })).toEqual({ items: newest.slice(0, 3), hasMore: true });
    expect(await notifications().list(u.id, { limit: 2, offset: 2 })).toEqual({ items: newest.slice(2), hasMore: false });
    expect(await notifications().list(u.id, { limit: 1, offset: 1 })).toEqual({ items: [newest[1]], hasMore: true });
    expect(await notifications().list(u.id, { limit: 1, before: newest[1]!.id })).toEqual({ items: [newest[2]], hasMore: true });
    expect(await notifications().list(u.id, { limit: 10, offset: 4 })).toEqual({ items: [], hasMore: false });
  });

  it('unreadCount stops at UNREAD_CAP, and is exact below it', async () => {
    const u = await ctx.user();
    const saved = await Promise.all(Array.from({ length: UNREAD_CAP + 5 }, (_, i) => save(u.id, 'system', `n${i}`)));
    expect(await notifications().unreadCount(u.id)).toBe(UNREAD_CAP);
    await notifications().markRead(u.id, ids(saved.slice(0, 10)));
    expect(await notifications().unreadCount(u.id)).toBe(UNREAD_CAP - 5);
  });

  it('markRead touches only the user own unread notifications and counts what changed', async () => {
    const u = await ctx.user();
    const other = await ctx.user();
    const mine = [];
    for (let i = 0; i < 4; i++) mine.push(await save(u.id, 'kind', `n${i}`));
    const theirs = await save(other.id, 'kind', 'theirs');
    expect(await notifications().unreadCount(u.id)).toBe(4);

    expect(await notifications().markRead(u.id, [mine[0]!.id, mine[1]!.id, theirs.id, MISSING])).toBe(2);
    expect(await notifications().unreadCount(u.id)).toBe(2);
    expect(await notifications().unreadCount(other.id)).toBe(1);
    expect(await notifications().markRead(u.id, [mine[0]!.id])).toBe(0);
    expect(await notifications().markRead(u.id, [])).toBe(0);
    const page = await notifications().list(u.id, { limit: 10 });
    expect(page.items.map((n) => [n.id, n.read])).toEqual([
      [mine[3]!.id, false],
      [mine[2]!.id, false],
      [mine[1]!.id, true],
      [mine[0]!.id, true],
    ]);

    expect(await notifications().markRead(u.id)).toBe(2);
    expect(await notifications().unreadCount(u.id)).toBe(0);
    expect(await notifications().markRead(u.id)).toBe(0);
    expect(await notifications().unreadCount(other.id)).toBe(1);
    expect(ids((await notifications().list(other.id, { limit: 10 })).items)).toEqual([theirs.id]);
  });
}
