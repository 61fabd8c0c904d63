import { Router } from 'express';
import { z } from 'zod';
import { Id } from '../websocket/protocol.js';
import type { NotificationStore } from '../store/types.js';
import { me } from './context.js';
import type { RouteChains } from './route-chains.js';
import { pageOf, parse } from './validation.js';

const MarkRead = z.object({ ids: z.array(Id).max(1000).optional() });

/** `notifications`: the bundled store's, or a host persister's reads (src/composition/list-reads.ts). */
export function notificationRoutes(notifications: NotificationStore, { signedIn }: RouteChains): Router {
  const r = Router();

  r.get('/', ...signedIn, async (req, res) => {
    // `before` too: past offset 1000 the 400 points to it (contract section 2's cursor, as for history).
    const query = pageOf({ limit: req.query.limit, offset: req.query.offset, before: req.query.before });
    const userId = me(res).userId;
    const page = await notifications.list(userId, query);
    res.json({ notifications: page.items, has_more: page.hasMore, unread: await notifications.unreadCount(userId) });
  });

  r.post('/read', ...signedIn, async (req, res) => {
    const { ids } = parse(MarkRead, req.body);
    res.json({ updated: await notifications.markRead(me(res).userId, ids) });
  });

  return r;
}
