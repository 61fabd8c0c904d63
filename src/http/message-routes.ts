import { Router } from 'express';
import { z } from 'zod';
import { ClientId, Content, GroupId, Id } from '../websocket/protocol.js';
import { me, type HttpContext } from './context.js';
import type { RouteChains } from './route-chains.js';
import { QueryId, pageOf, parse } from './validation.js';

const SendPrivate = z.object({ to: Id, content: Content, client_id: ClientId.optional() });
const SendGroup = z.object({ group_id: GroupId, content: Content, client_id: ClientId.optional() });

/**
 * REST sends and history, through the very interfaces the Manager uses (the
 * injected MessagePersister and GroupMemberFetcher): overriding one changes
 * HTTP and WebSocket alike.
 */
export function messageRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();
  const { messages } = ctx.manager;

  // Sends go through the Manager, exactly like the `private` and `group` frames; once it is closing, it refuses them (503 `unavailable`).
  r.post('/private', ...signedIn, async (req, res) => {
    const f = parse(SendPrivate, req.body);
    const saved = await ctx.manager.sendPrivate({ from: me(res).userId, to: f.to, content: f.content, clientId: f.client_id });
    res.status(201).json(saved.message);
  });

  r.post('/group', ...signedIn, async (req, res) => {
    const f = parse(SendGroup, req.body);
    const saved = await ctx.manager.sendGroup({ from: me(res).userId, groupId: f.group_id, content: f.content, clientId: f.client_id });
    res.status(201).json(saved.message);
  });

  r.get('/private', ...signedIn, async (req, res) => {
    const { user } = parse(z.object({ user: QueryId }), { user: req.query.user });
    const viewer = me(res).userId;
    const page = await messages.privateHistory(viewer, user, pageOf(req.query));
    // A stranger learns from history no more than from receipts (contract section 6).
    res.json({ messages: await ctx.manager.consent.historyFor(viewer, user, page.items), has_more: page.hasMore });
  });

  r.get('/group', ...signedIn, async (req, res) => {
    const { group } = parse(z.object({ group: QueryId }), { group: req.query.group });
    const pageQuery = pageOf(req.query);
    await ctx.manager.requireMembership(group, me(res).userId);
    const page = await messages.groupHistory(group, pageQuery);
    res.json({ messages: page.items, has_more: page.hasMore });
  });

  return r;
}
