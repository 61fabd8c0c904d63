import { Router } from 'express';
import { z } from 'zod';
import { Id } from '../websocket/protocol.js';
import { me, type HttpContext } from './context.js';
import type { RouteChains } from './route-chains.js';
import { pageOf, parse } from './validation.js';

const MarkRead = z.object({ ids: z.array(Id).max(1000).optional() });

export function notificationRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();
  const { notifications } = ctx.stores;

  r.get('/', ...signedIn, async (req, res) => {
    const { limit, offset } = pageOf({ limit: req.query.limit, offset: req.query.offset });
    const userId = me(res).userId;
    const page = await notifications.list(userId, { limit, offset });
    res.json({ notifications: page.items, unread: await notifications.unreadCount(userId) });
  });

  r.post('/read', ...signedIn, async (req, res) => {
    const { ids } = parse(MarkRead, req.body);
    res.json({ updated: await notifications.markRead(me(res).userId, ids) });
  });

  return r;
}
