import { Router } from 'express';
import { z } from 'zod';
import { ClientId, GroupId, Id } from '../websocket/protocol.js';
import { me, requireUser, type HttpContext } from './context.js';
import { requireAcceptedMember, requireGroup } from './group-routes.js';
import { HttpContent, QueryId, pageOf, parse } from './validation.js';

const SendPrivate = z.object({ to: Id, content: HttpContent, client_id: ClientId.optional() });
const SendGroup = z.object({ group_id: GroupId, content: HttpContent, client_id: ClientId.optional() });

/** REST sends: stored, then routed live exactly like the equivalent frame. */
export function messageRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { messages } = ctx.stores;
  r.use(requireUser(ctx));

  r.post('/private', async (req, res) => {
    const f = parse(SendPrivate, req.body);
    const saved = await messages.savePrivate({ from: me(res).userId, to: f.to, content: f.content, clientId: f.client_id });
    if (!saved.duplicate) ctx.manager.routePrivate(saved.message);
    res.status(201).json(saved.message);
  });

  r.post('/group', async (req, res) => {
    const f = parse(SendGroup, req.body);
    const userId = me(res).userId;
    await requireGroup(ctx, f.group_id);
    await requireAcceptedMember(ctx, f.group_id, userId);
    const saved = await messages.saveGroup({ from: userId, groupId: f.group_id, content: f.content, clientId: f.client_id });
    if (!saved.duplicate) ctx.manager.routeGroup(saved.message, (await ctx.stores.groups.acceptedMembers(f.group_id)) ?? []);
    res.status(201).json(saved.message);
  });

  r.get('/private', async (req, res) => {
    const { user } = parse(z.object({ user: QueryId }), { user: req.query.user });
    const page = await messages.privateHistory(me(res).userId, user, pageOf(req.query));
    res.json({ messages: page.items, has_more: page.hasMore });
  });

  r.get('/group', async (req, res) => {
    const { group } = parse(z.object({ group: QueryId }), { group: req.query.group });
    const pageQuery = pageOf(req.query);
    await requireGroup(ctx, group);
    await requireAcceptedMember(ctx, group, me(res).userId);
    const page = await messages.groupHistory(group, pageQuery);
    res.json({ messages: page.items, has_more: page.hasMore });
  });

  return r;
}
