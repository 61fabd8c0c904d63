import { Router } from 'express';
import { z } from 'zod';
import type { Group } from '../store/types.js';
import type { GroupMember } from '../websocket/group-member-fetcher.js';
import { GroupId, Id, Text } from '../websocket/protocol.js';
import type { Profile } from '../websocket/user-directory.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import { chargeListRead } from './list-read-cost.js';
import type { RouteChains } from './route-chains.js';
import { idParam, parse } from './validation.js';

const CreateGroup = z.object({ name: Text(100) });
/** A member as listed: its profile when there is one, and its status. */
type ListedMember = (Profile | { id: number; username?: undefined }) & { status: GroupMember['status'] };

// group_name is checked like a group name but not used: the notification names the group as stored.
const Invite = z.object({ group_id: GroupId, user_id: Id, group_name: Text(100).optional() });

/** The group's row (Parlor's own groups), 404 when it does not exist, whoever asks. */
async function requireGroup(ctx: HttpContext, groupId: number): Promise<Group> {
  const group = await ctx.stores.groups.getGroup(groupId);
  if (!group) throw httpError('not_found', `group ${groupId} does not exist`);
  return group;
}

/**
 * Members with the same fields as `GET /api/users` (contract section 4, "names
 * for clients"): the UserDirectory's profile of each, else the name the
 * GroupMemberFetcher gave, if any.
 */
async function withProfiles(ctx: HttpContext, members: readonly GroupMember[]): Promise<ListedMember[]> {
  const profiles = new Map((await ctx.manager.users.profiles(members.map((m) => m.id))).map((p) => [p.id, p]));
  return members.map((m) => {
    const profile = profiles.get(m.id) ?? (typeof m.username === 'string' ? { id: m.id, username: m.username } : { id: m.id });
    return { ...profile, status: m.status };
  });
}

/**
 * `GET /api/groups` and `GET /api/groups/:id/members`, answered by the
 * GroupMemberFetcher (Parlor's groups, or the host's): each route only when
 * the fetcher has the method behind it, else the path falls through.
 */
export function groupReadRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();
  const groups = ctx.manager.groups;

  if (groups.groupsOf) {
    const groupsOf = groups.groupsOf.bind(groups);
    r.get('/', ...signedIn, async (_req, res) => {
      // Only the contract's fields: a host's rows may carry more (their ids are numbers already: composition/host-group-ids.ts).
      res.json({ groups: (await groupsOf(me(res).userId)).map(({ id, name, status }) => ({ id, name: String(name), status })) });
    });
  }

  if (groups.members) {
    const membersOf = groups.members.bind(groups);
    r.get('/:id/members', ...signedIn, async (req, res) => {
      const groupId = idParam(req.params.id);
      if ((await groups.acceptedMembers(groupId)) === null) throw httpError('not_found', `group ${groupId} does not exist`);
      const members = await membersOf(groupId);
      // Up to 5000 members and invitees (GROUP_LIMITS.membersPerGroup), each with its profile: charged by size, read
      // whatever the answer (a stranger's 403 read them too).
      chargeListRead(ctx.rateLimit, me(res).userId, members.length);
      // Invitees may see who is in a group before they accept; strangers may not.
      if (!members.some((m) => m.id === me(res).userId)) throw httpError('forbidden', `you are not a member of group ${groupId}`);
      res.json({ members: await withProfiles(ctx, members) });
    });
  }

  return r;
}

/** Create, invite, accept, decline, leave, remove: mounted only while Parlor owns the groups (no host `groupMemberFetcher`). */
export function groupManagementRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();
  const groups = ctx.stores.groups;

  r.post('/', ...signedIn, async (req, res) => {
    const { name } = parse(CreateGroup, req.body);
    res.status(201).json(await groups.createGroup(me(res).userId, name));
  });

  r.post('/invite', ...signedIn, async (req, res) => {
    const { group_id: groupId, user_id: userId } = parse(Invite, req.body);
    const inviter = me(res);
    // The quick answer: the store's invite() asks again in its transaction (a member removed meanwhile invites nobody).
    await ctx.manager.requireMembership(groupId, inviter.userId);
    const group = await requireGroup(ctx, groupId);
    // Everything that asks the UserDirectory comes before anything is stored (the notification below asks
    // again, cached): a directory that fails leaves no invitation without its notification, and a retry works.
    await ctx.manager.users.require(userId);
    await ctx.manager.consent.admitInvite(inviter.userId, userId);
    const inviterName = inviter.username ?? (await ctx.manager.users.profiles([inviter.userId]))[0]?.username ?? `user ${inviter.userId}`;
    const notice = {
      subtype: 'group_invite',
      message: `${inviterName} invited you to ${group.name}`,
      data: { group_id: groupId, group_name: group.name, from: inviter.userId },
    };
    if (ctx.ownNotifications) {
      // One transaction: a notification that cannot be stored leaves no invitation, and the retry works.
      const stored = await groups.invite(groupId, userId, inviter.userId, notice);
      // A GroupStore that takes no notice (an older or a custom one) stored the invitation only.
      if (stored) ctx.manager.deliverNotification(userId, stored);
      else await ctx.manager.notify(userId, notice.subtype, notice.message, notice.data);
    } else {
      await groups.invite(groupId, userId, inviter.userId);
      await ctx.manager.notify(userId, notice.subtype, notice.message, notice.data);
    }
    res.status(201).json({ group_id: groupId, user_id: userId, status: 'invited' });
  });

  for (const [action, accept] of [['accept', true], ['decline', false]] as const) {
    r.post(`/:id/${action}`, ...signedIn, async (req, res) => {
      const groupId = idParam(req.params.id);
      const userId = me(res).userId;
      const respond = () => groups.respond(groupId, userId, accept);
      // Accepting makes the group's members contacts; declining changes nobody's.
      if (!(await (accept ? ctx.manager.changeContacts(userId, respond, onlyIfDone) : respond()))) {
        throw httpError('not_found', `no pending invitation to group ${groupId}`);
      }
      res.json({ group_id: groupId, status: accept ? 'accepted' : 'declined' });
    });
  }

  if (groups.leave) {
    const leave = groups.leave.bind(groups);
    // Not in the shared contract (docs/contract.md, "groups"): the way out of a group, for anyone in it.
    r.post('/:id/leave', ...signedIn, async (req, res) => {
      const groupId = idParam(req.params.id);
      const userId = me(res).userId;
      if (!(await ctx.manager.changeContacts(userId, () => leave(groupId, userId), onlyIfDone))) throw httpError('not_found', `you are not a member of group ${groupId}`);
      res.json({ group_id: groupId, status: 'left' });
    });

    // Not in the shared contract either (docs/contract.md, "groups"): the owner takes a member out, as the member's own leave.
    r.delete('/:id/members/:userId', ...signedIn, async (req, res) => {
      const groupId = idParam(req.params.id);
      const memberId = idParam(req.params.userId);
      const owner = me(res).userId;
      await ctx.manager.requireMembership(groupId, owner);
      const group = await requireGroup(ctx, groupId);
      if (group.owner_id !== owner) throw httpError('forbidden', `only the owner of group ${groupId} can remove its members`);
      if (memberId === owner) throw httpError('bad_request', `to leave group ${groupId}, use POST /api/groups/${groupId}/leave`);
      if (!(await ctx.manager.changeContacts(memberId, () => leave(groupId, memberId), onlyIfDone))) {
        throw httpError('not_found', `user ${memberId} is not a member of group ${groupId}`);
      }
      // The removal stands either way; a notice that could not be stored is logged, and the member's group list shows it.
      await ctx.manager
        .notify(memberId, 'group_removed', `you were removed from ${group.name}`, { group_id: groupId, group_name: group.name })
        .catch((err: unknown) => ctx.logger.warn({ err, groupId, userId: memberId }, 'could not notify a member removed from a group'));
      res.json({ group_id: groupId, user_id: memberId, status: 'removed' });
    });
  }

  return r;
}

/** An accept or a leave that found nothing to do (false: 404) changes nobody's contacts. */
const onlyIfDone = { changed: (done: boolean) => done };
