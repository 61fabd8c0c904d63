import { Router } from 'express';
import { me, type HttpContext } from './context.js';
import type { RouteChains } from './route-chains.js';
import { idParam } from './validation.js';

/**
 * Blocking (contract section 6): the rules live in the Manager's Consent;
 * these routes only name the user, who must be known to the UserDirectory
 * (404 otherwise). Unblocking takes any id, so a user deleted since can be
 * taken off the list.
 */
export function blockRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();

  r.get('/users/blocked', ...signedIn, async (_req, res) => {
    res.json({ users: await ctx.manager.consent.blocked(me(res).userId) });
  });

  r.post('/users/:id/block', ...signedIn, async (req, res) => {
    const userId = idParam(req.params.id);
    const known = ctx.manager.users.require(userId);
    if (known) await known;
    const blocker = me(res).userId;
    // A block already in place changes nobody's contacts: nothing is read again or told.
    const created = await ctx.manager.changeContacts(blocker, () => ctx.manager.consent.block(blocker, userId), { peer: userId, changed: (made) => made });
    res.status(created ? 201 : 200).json({ user_id: userId, blocked: true });
  });

  r.delete('/users/:id/block', ...signedIn, async (req, res) => {
    const userId = idParam(req.params.id);
    const unblocker = me(res).userId;
    await ctx.manager.changeContacts(unblocker, () => ctx.manager.consent.unblock(unblocker, userId), { peer: userId, changed: (lifted) => lifted });
    res.json({ user_id: userId, blocked: false });
  });

  return r;
}
