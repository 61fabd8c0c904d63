import { Router } from 'express';
import { z } from 'zod';
import type { Group } from '../store/types.js';
import { GroupId, Id, Text } from '../websocket/protocol.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import type { RouteChains } from './route-chains.js';
import { idParam, parse } from './validation.js';

const CreateGroup = z.object({ name: Text(100) });
const Invite = z.object({ group_id: GroupId, user_id: Id, group_name: z.string().max(100).optional() });

/** 404 when the group does not exist, whoever asks. */
export async function requireGroup(ctx: HttpContext, groupId: number): Promise<Group> {
  const group = await ctx.stores.groups.getGroup(groupId);
  if (!group) throw httpError('not_found', `group ${groupId} does not exist`);
  return group;
}

/** 403 unless the user is an accepted member. */
export async function requireAcceptedMember(ctx: HttpContext, groupId: number, userId: number): Promise<void> {
  if ((await ctx.stores.groups.memberStatus(groupId, userId)) !== 'accepted') {
    throw httpError('forbidden', `you are not a member of group ${groupId}`);
  }
}

export function groupRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();
  const groups = ctx.stores.groups;

  r.post('/', ...signedIn, async (req, res) => {
    const { name } = parse(CreateGroup, req.body);
    res.status(201).json(await groups.createGroup(me(res).userId, name));
  });

  r.get('/', ...signedIn, async (_req, res) => {
    res.json({ groups: await groups.groupsOf(me(res).userId) });
  });

  r.get('/:id/members', ...signedIn, async (req, res) => {
    const groupId = idParam(req.params.id);
    await requireGroup(ctx, groupId);
    // Invitees may see who is in a group before they accept; strangers may not.
    const status = await groups.memberStatus(groupId, me(res).userId);
    if (status !== 'accepted' && status !== 'invited') throw httpError('forbidden', `you are not a member of group ${groupId}`);
    res.json({ members: await groups.members(groupId) });
  });

  r.post('/invite', ...signedIn, async (req, res) => {
    const { group_id: groupId, user_id: userId } = parse(Invite, req.body);
    const inviter = me(res);
    const group = await requireGroup(ctx, groupId);
    await requireAcceptedMember(ctx, groupId, inviter.userId);
    const invitee = await ctx.stores.users.findById(userId);
    if (!invitee) throw httpError('not_found', `user ${userId} does not exist`);
    await groups.invite(groupId, userId, inviter.userId);
    const inviterName = inviter.username ?? (await ctx.stores.users.findById(inviter.userId))?.username ?? `user ${inviter.userId}`;
    await ctx.manager.notify(userId, 'group_invite', `${inviterName} invited you to ${group.name}`, {
      group_id: groupId,
      group_name: group.name,
      from: inviter.userId,
    });
    res.status(201).json({ group_id: groupId, user_id: userId, status: 'invited' });
  });

  for (const [action, accept] of [['accept', true], ['decline', false]] as const) {
    r.post(`/:id/${action}`, ...signedIn, async (req, res) => {
      const groupId = idParam(req.params.id);
      if (!(await groups.respond(groupId, me(res).userId, accept))) {
        throw httpError('not_found', `no pending invitation to group ${groupId}`);
      }
      res.json({ group_id: groupId, status: accept ? 'accepted' : 'declined' });
    });
  }

  return r;
}
