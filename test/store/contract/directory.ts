import { expect, it } from 'vitest';
import { type ContractContext, MISSING } from './context.js';

/**
 * Who exists is the directory's answer (the Manager asks it before storing);
 * the stores themselves hold rows for any user id, Parlor account or not.
 */
export function directoryContract(ctx: ContractContext): void {
  it('existing: the known ids among those asked; profiles: their id and name', async () => {
    const a = await ctx.user('known');
    const b = await ctx.user('known');
    const directory = ctx.directory();
    expect([...(await directory.existing([a.id, MISSING, b.id]))].sort((x, y) => x - y)).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect(await directory.existing([MISSING])).toEqual([]);
    const profiles = await directory.profiles!([a.id, MISSING]);
    expect(profiles).toEqual([{ id: a.id, username: a.username }]);
  });

  it('the stores take user ids as they are: messages, receipts, read markers, notifications and invitations for ids with no account', async () => {
    const stores = ctx.stores();
    const a = await ctx.user();
    const stranger = MISSING - 7; // in no directory and no users table
    const sent = await stores.messages.savePrivate({ from: a.id, to: stranger, content: 'to whom it may concern' });
    expect(await stores.messages.markDelivered(sent.message.id, stranger)).toBe(true);
    expect(await stores.messages.markRead(stranger, sent.message.id)).toEqual({ senderId: a.id, messageId: sent.message.id });
    const n = await stores.messages.saveNotification(stranger, 'system', 'hello');
    expect((await stores.notifications.list(stranger, { limit: 5 })).items.map((x) => x.id)).toEqual([n.id]);
    const g = await stores.groups.createGroup(a.id, 'open door');
    await stores.groups.invite(g.id, stranger, a.id);
    expect(await stores.groups.memberStatus(g.id, stranger)).toBe('invited');
  });
}
