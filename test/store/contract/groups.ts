import { expect, it } from 'vitest';
import { GROUP_LIMITS } from '../../../src/store/domain/group-limits.js';
import { INVITE_LIMIT } from '../../../src/store/domain/invitations.js';
import { type ContractContext, MISSING, expectParlorError, sortNumbers } from './context.js';

export function groupContract(ctx: ContractContext): void {
  const groups = () => ctx.stores().groups;

  it('createGroup makes the owner an accepted member', async () => {
    const owner = await ctx.user('owner');
    const g = await groups().createGroup(owner.id, 'Book club');
    expect(Number.isInteger(g.id) && g.id > 0).toBe(true);
    expect(g).toEqual({ id: g.id, name: 'Book club', owner_id: owner.id });
    expect(await groups().getGroup(g.id)).toEqual(g);
    expect(await groups().memberStatus(g.id, owner.id)).toBe('accepted');
    expect(await groups().acceptedMembers(g.id)).toEqual([owner.id]);
    expect(await groups().members(g.id)).toEqual([{ id: owner.id, status: 'accepted' }]);
    expect(await groups().groupsOf(owner.id)).toEqual([{ id: g.id, name: 'Book club', status: 'accepted' }]);
  });

  it('a missing group: getGroup and memberStatus are null, acceptedMembers is null, members is empty', async () => {
    const u = await ctx.user();
    expect(await groups().getGroup(MISSING)).toBeNull();
    expect(await groups().acceptedMembers(MISSING)).toBeNull();
    expect(await groups().members(MISSING)).toEqual([]);
    expect(await groups().memberStatus(MISSING, u.id)).toBeNull();
  });

  it('invite records an invited member who is listed but not accepted', async () => {
    const owner = await ctx.user('owner');
    const guest = await ctx.user('guest');
    const g = await groups().createGroup(owner.id, 'g');
    await groups().invite(g.id, guest.id, owner.id);
    expect(await groups().memberStatus(g.id, guest.id)).toBe('invited');
    expect(await groups().acceptedMembers(g.id)).toEqual([owner.id]);
    const members = [...(await groups().members(g.id))].sort((a, b) => a.id - b.id);
    expect(members).toEqual(
      [
        { id: owner.id, status: 'accepted' },
        { id: guest.id, status: 'invited' },
      ].sort((a, b) => a.id - b.id),
    );
    expect(await groups().groupsOf(guest.id)).toEqual([{ id: g.id, name: 'g', status: 'invited' }]);
  });

  it('invite with a notice stores the notification in the same transaction: both, or neither', async () => {
    const [owner, guest, other] = [await ctx.user('owner'), await ctx.user('guest'), await ctx.user('other')];
    const g = await groups().createGroup(owner.id, 'g');
    const notice = { subtype: 'group_invite', message: 'owner invited you to g', data: { group_id: g.id } };
    const stored = await groups().invite(g.id, guest.id, owner.id, notice);
    expect(stored).toEqual({ id: expect.any(Number), subtype: 'group_invite', message: 'owner invited you to g', group_id: g.id, timestamp: expect.any(Number) });
    expect((await ctx.stores().notifications.list(guest.id, { limit: 5 })).items).toEqual([{ ...stored, read: false }]);
    // A conflict stores no notification either.
    await expectParlorError(() => groups().invite(g.id, guest.id, owner.id, notice), 'conflict');
    expect(await ctx.stores().notifications.unreadCount(guest.id)).toBe(1);

    // A notification that cannot be stored (its data does not serialize) leaves no invitation.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(groups().invite(g.id, other.id, owner.id, { ...notice, data: circular })).rejects.toThrow();
    expect(await groups().memberStatus(g.id, other.id)).toBeNull();
    expect(await ctx.stores().notifications.unreadCount(other.id)).toBe(0);
    await groups().invite(g.id, other.id, owner.id, notice);
    expect(await groups().memberStatus(g.id, other.id)).toBe('invited');
  });

  it('invite is a conflict for an invited or accepted user, not_found for a missing group', async () => {
    const owner = await ctx.user('owner');
    const guest = await ctx.user('guest');
    const member = await ctx.user('member');
    const g = await groups().createGroup(owner.id, 'g');
    await groups().invite(g.id, guest.id, owner.id);
    await expectParlorError(() => groups().invite(g.id, guest.id, owner.id), 'conflict');
    await groups().invite(g.id, member.id, owner.id);
    await groups().respond(g.id, member.id, true);
    await expectParlorError(() => groups().invite(g.id, owner.id, member.id), 'conflict');
    await expectParlorError(() => groups().invite(MISSING, guest.id, owner.id), 'not_found');
    expect(await groups().memberStatus(g.id, guest.id)).toBe('invited');
    expect(await groups().memberStatus(MISSING, guest.id)).toBeNull();
  });

  it('invite is forbidden unless the inviter is an accepted member now: a stranger, an invitee, one who left or was removed; nothing stored', async () => {
    const [owner, invitee, leaver, removed, stranger, target] = [
      await ctx.user('owner'),
      await ctx.user('invitee'),
      await ctx.user('leaver'),
      await ctx.user('removed'),
      await ctx.user('stranger'),
      await ctx.user('target'),
    ];
    const g = await groups().createGroup(owner.id, 'g');
    await groups().invite(g.id, invitee.id, owner.id);
    for (const u of [leaver, removed]) {
      await groups().invite(g.id, u.id, owner.id);
      expect(await groups().respond(g.id, u.id, true)).toBe(true);
    }
    // A removal is the member's leave (DELETE /api/groups/:id/members/:userId): both stored as declined.
    expect(await groups().leave!(g.id, leaver.id)).toBe(true);
    expect(await groups().leave!(g.id, removed.id)).toBe(true);
    const notice = { subtype: 'group_invite', message: 'you are invited to g', data: { group_id: g.id } };
    for (const by of [stranger, invitee, leaver, removed]) {
      const err = await expectParlorError(() => groups().invite(g.id, target.id, by.id, notice), 'forbidden');
      expect(err.message).toBe(`you are not a member of group ${g.id}`);
    }
    expect(await groups().memberStatus(g.id, target.id)).toBeNull();
    expect(await ctx.stores().notifications.unreadCount(target.id)).toBe(0);
    // An accepted member still invites.
    await groups().invite(g.id, target.id, owner.id, notice);
    expect(await groups().memberStatus(g.id, target.id)).toBe('invited');
  });

  it(`one inviter has at most ${GROUP_LIMITS.pendingInvitesPerInviter} unanswered invitations to one user: then conflict; others still invite`, async () => {
    const [inviter, other, invitee] = [await ctx.user('inviter'), await ctx.user('other'), await ctx.user('invitee')];
    const own = [];
    for (let i = 0; i <= GROUP_LIMITS.pendingInvitesPerInviter; i++) own.push(await groups().createGroup(inviter.id, `g${i}`));
    for (const g of own.slice(0, -1)) await groups().invite(g.id, invitee.id, inviter.id);
    const last = own.at(-1)!;
    const err = await expectParlorError(() => groups().invite(last.id, invitee.id, inviter.id), 'conflict');
    expect(err.message).toBe(
      `user ${invitee.id} has not answered ${GROUP_LIMITS.pendingInvitesPerInviter} of your invitations yet, the most one user may have waiting from you`,
    );
    expect(await groups().memberStatus(last.id, invitee.id)).toBeNull();
    // Another member of the same group is another inviter.
    await groups().invite(last.id, other.id, inviter.id);
    expect(await groups().respond(last.id, other.id, true)).toBe(true);
    await groups().invite(last.id, invitee.id, other.id);
    expect(await groups().respond(last.id, invitee.id, false)).toBe(true);
    // An answer (here a decline; an accept too) frees one.
    expect(await groups().respond(own[0]!.id, invitee.id, false)).toBe(true);
    await groups().invite(last.id, invitee.id, inviter.id);
    expect(await groups().memberStatus(last.id, invitee.id)).toBe('invited');
  });

  it('respond(accept) turns an invitation into membership, once', async () => {
    const owner = await ctx.user('owner');
    const guest = await ctx.user('guest');
    const stranger = await ctx.user('stranger');
    const g = await groups().createGroup(owner.id, 'g');
    await groups().invite(g.id, guest.id, owner.id);
    expect(await groups().respond(g.id, guest.id, true)).toBe(true);
    expect(await groups().memberStatus(g.id, guest.id)).toBe('accepted');
    expect(sortNumbers((await groups().acceptedMembers(g.id)) ?? [])).toEqual(sortNumbers([owner.id, guest.id]));
    expect(await groups().respond(g.id, guest.id, true)).toBe(false);
    expect(await groups().respond(g.id, guest.id, false)).toBe(false);
    expect(await groups().memberStatus(g.id, guest.id)).toBe('accepted');
    expect(await groups().respond(g.id, stranger.id, true)).toBe(false);
    expect(await groups().memberStatus(g.id, stranger.id)).toBeNull();
    expect(await groups().respond(MISSING, guest.id, true)).toBe(false);
  });

  it('respond(decline) hides the group; a declined user may be invited again', async () => {
    const owner = await ctx.user('owner');
    const guest = await ctx.user('guest');
    const g = await groups().createGroup(owner.id, 'g');
    await groups().invite(g.id, guest.id, owner.id);
    expect(await groups().respond(g.id, guest.id, false)).toBe(true);
    expect(await groups().memberStatus(g.id, guest.id)).toBe('declined');
    expect(await groups().members(g.id)).toEqual([{ id: owner.id, status: 'accepted' }]);
    expect(await groups().groupsOf(guest.id)).toEqual([]);
    expect(await groups().acceptedMembers(g.id)).toEqual([owner.id]);
    expect(await groups().respond(g.id, guest.id, true)).toBe(false);

    await groups().invite(g.id, guest.id, owner.id);
    expect(await groups().memberStatus(g.id, guest.id)).toBe('invited');
    expect(await groups().respond(g.id, guest.id, true)).toBe(true);
    expect(await groups().groupsOf(guest.id)).toEqual([{ id: g.id, name: 'g', status: 'accepted' }]);
  });

  it('leave takes an accepted member out of the group and its lists, once; the user may be invited again', async () => {
    const owner = await ctx.user('owner');
    const guest = await ctx.user('guest');
    const invitee = await ctx.user('invitee');
    const g = await groups().createGroup(owner.id, 'g');
    await groups().invite(g.id, guest.id, owner.id);
    await groups().respond(g.id, guest.id, true);
    await groups().invite(g.id, invitee.id, owner.id);
    expect(await groups().acceptedMembers(g.id)).toEqual(sortNumbers([owner.id, guest.id])); // now cached, where there is a cache
    expect(await groups().contactsOf(owner.id)).toEqual([guest.id]);

    expect(await groups().leave!(g.id, guest.id)).toBe(true);
    expect(await groups().memberStatus(g.id, guest.id)).toBe('declined');
    expect(await groups().acceptedMembers(g.id)).toEqual([owner.id]);
    expect(await groups().members(g.id)).toEqual([{ id: owner.id, status: 'accepted' }, { id: invitee.id, status: 'invited' }]);
    expect(await groups().groupsOf(guest.id)).toEqual([]);
    expect(await groups().contactsOf(owner.id)).toEqual([]);
    expect(await groups().leave!(g.id, guest.id)).toBe(false);
    // Only an accepted member leaves: an invitee declines; a stranger or a missing group changes nothing.
    expect(await groups().leave!(g.id, invitee.id)).toBe(false);
    expect(await groups().memberStatus(g.id, invitee.id)).toBe('invited');
    expect(await groups().leave!(MISSING, owner.id)).toBe(false);

    await groups().invite(g.id, guest.id, owner.id);
    expect(await groups().respond(g.id, guest.id, true)).toBe(true);
    expect(await groups().acceptedMembers(g.id)).toEqual(sortNumbers([owner.id, guest.id]));
    // The owner may leave too: the group stays, with the members it has.
    expect(await groups().leave!(g.id, owner.id)).toBe(true);
    expect(await groups().getGroup(g.id)).toEqual(g);
    expect(await groups().acceptedMembers(g.id)).toEqual([guest.id]);
  });

  it(`invites one user to one group at most ${INVITE_LIMIT.invites} times a day: then rate_limited, nothing changed`, async () => {
    const owner = await ctx.user('owner');
    const guest = await ctx.user('guest');
    const other = await ctx.user('other');
    const g = await groups().createGroup(owner.id, 'persistent');
    const elsewhere = await groups().createGroup(owner.id, 'elsewhere');
    for (let i = 0; i < INVITE_LIMIT.invites; i++) {
      await groups().invite(g.id, guest.id, owner.id);
      expect(await groups().respond(g.id, guest.id, false)).toBe(true);
    }
    await expectParlorError(() => groups().invite(g.id, guest.id, owner.id), 'rate_limited');
    expect(await groups().memberStatus(g.id, guest.id)).toBe('declined');
    expect(await groups().groupsOf(guest.id)).toEqual([]);
    // Another user, another group: their own counts.
    await groups().invite(g.id, other.id, owner.id);
    await groups().invite(elsewhere.id, guest.id, owner.id);
    expect(await groups().memberStatus(elsewhere.id, guest.id)).toBe('invited');
  });

  it('groupsOf lists accepted and invited groups, oldest first, never declined ones', async () => {
    const me = await ctx.user('me');
    const other = await ctx.user('other');
    const mine = await groups().createGroup(me.id, 'mine');
    const invited = await groups().createGroup(other.id, 'invited');
    const declined = await groups().createGroup(other.id, 'declined');
    const joined = await groups().createGroup(other.id, 'joined');
    await groups().invite(invited.id, me.id, other.id);
    await groups().invite(declined.id, me.id, other.id);
    await groups().respond(declined.id, me.id, false);
    await groups().invite(joined.id, me.id, other.id);
    await groups().respond(joined.id, me.id, true);
    expect(await groups().groupsOf(me.id)).toEqual([
      { id: mine.id, name: 'mine', status: 'accepted' },
      { id: invited.id, name: 'invited', status: 'invited' },
      { id: joined.id, name: 'joined', status: 'accepted' },
    ]);
  });

  it('contactsOf: accepted co-members and private conversations both have written in, once each, never oneself', async () => {
    const me = await ctx.user('me');
    const mate = await ctx.user('mate');
    const invitee = await ctx.user('invitee');
    const decliner = await ctx.user('decliner');
    const wrote = await ctx.user('wrote');
    const got = await ctx.user('got');
    const both = await ctx.user('both');
    const mutual = await ctx.user('mutual');
    const stranger = await ctx.user('stranger');
    const g = await groups().createGroup(me.id, 'g');
    for (const u of [mate, invitee, decliner, both]) await groups().invite(g.id, u.id, me.id);
    await groups().respond(g.id, mate.id, true);
    await groups().respond(g.id, both.id, true);
    await groups().respond(g.id, decliner.id, false);
    // The stranger's own group, with the invitee accepted: not my contact through it.
    const theirs = await groups().createGroup(stranger.id, 'theirs');
    await groups().invite(theirs.id, invitee.id, stranger.id);
    await groups().respond(theirs.id, invitee.id, true);

    const messages = ctx.stores().messages;
    await messages.savePrivate({ from: me.id, to: wrote.id, content: 'hi' });
    await messages.savePrivate({ from: got.id, to: me.id, content: 'hi' });
    await messages.savePrivate({ from: both.id, to: me.id, content: 'hi' });
    await messages.savePrivate({ from: me.id, to: me.id, content: 'note to self' });
    await messages.savePrivate({ from: mutual.id, to: me.id, content: 'hi' });
    await messages.savePrivate({ from: me.id, to: mutual.id, content: 'hi back' });

    // One direction only (a message request, or one unanswered) makes no contact (contract section 6).
    expect(sortNumbers(await groups().contactsOf(me.id))).toEqual(sortNumbers([mate.id, both.id, mutual.id]));
    expect(sortNumbers(await groups().contactsOf(mate.id))).toEqual(sortNumbers([me.id, both.id]));
    expect(await groups().contactsOf(invitee.id)).toEqual([stranger.id]);
    expect(await groups().contactsOf(decliner.id)).toEqual([]);
    expect(await groups().contactsOf(got.id)).toEqual([]);
    expect(await groups().contactsOf(wrote.id)).toEqual([]);
    expect(await groups().contactsOf(mutual.id)).toEqual([me.id]);
  });
}
