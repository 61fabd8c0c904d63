import { Router } from 'express';
import { z } from 'zod';
import { Content } from '../websocket/protocol.js';
import { me, type HttpContext } from './context.js';
import { httpError } from './http-error.js';
import type { RouteChains } from './route-chains.js';
import { parse } from './validation.js';

/**
 * How many conversations one read of the list covers: the request's own
 * token pays for the first ones, each further block costs one more.
 */
export const CONVERSATIONS_PER_READ = 50;

/** Conversations, online contacts and admin broadcast. */
export function socialRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();

  const { conversations } = ctx;
  if (conversations) {
    r.get('/conversations', ...signedIn, async (_req, res) => {
      const userId = me(res).userId;
      const listed = await conversations.conversations(userId, await ctx.manager.hostGroupIdsOf(userId));
      // The list is not paginated and costs the main thread per conversation
      // (SQLite reads run there: 32-74 ms at 1000 groups): charged by its size,
      // so one account's lists take at most its read budget's share. The debt
      // makes its next reads wait (429 with Retry-After); the answer is the same.
      ctx.rateLimit?.spendReads(userId, Math.ceil(listed.length / CONVERSATIONS_PER_READ) - 1);
      res.json({ conversations: await ctx.manager.consent.conversationsFor(userId, listed) });
    });
  }

  r.get('/users/online', ...signedIn, async (_req, res) => {
    const contacts = await ctx.manager.consent.contactsOf(me(res).userId);
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
