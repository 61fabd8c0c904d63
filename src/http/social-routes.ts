import { Router } from 'express';
import { z } from 'zod';
import { Content } from '../websocket/protocol.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import { chargeListRead } from './list-read-cost.js';
import type { RouteChains } from './route-chains.js';
import { parse } from './validation.js';

/** Conversations, online contacts and admin broadcast. */
export function socialRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();

  const { conversations } = ctx;
  if (conversations) {
    r.get('/conversations', ...signedIn, async (_req, res) => {
      const userId = me(res).userId;
      const listed = await conversations.conversations(userId, await ctx.manager.hostGroupIdsOf(userId));
      chargeListRead(ctx.rateLimit, userId, listed.length);
      res.json({ conversations: await ctx.manager.consent.conversationsFor(userId, listed) });
    });
  }

  r.get('/users/online', ...signedIn, async (_req, res) => {
    const userId = me(res).userId;
    const contacts = await ctx.manager.consent.contactsOf(userId);
    // Every contact is looked up, online or not: up to a group's 5000 members and more.
    chargeListRead(ctx.rateLimit, userId, contacts.length);
    res.json({ users: await ctx.manager.filterOnline(contacts) });
  });

  r.post('/broadcast', ...signedIn, async (req, res) => {
    const identity = me(res);
    if (!(await ctx.isAdmin(identity))) throw httpError('forbidden', 'only admins may broadcast');
    const { content } = parse(z.object({ content: Content }), req.body);
    const delivered = ctx.manager.broadcastToAll('broadcast', { from: identity.userId, content, timestamp: Date.now() });
    res.status(202).json({ delivered });
  });

  return r;
}
