import { Router } from 'express';
import { z } from 'zod';
import type { HttpContext } from './context.js';
import type { RouteChains } from './route-chains.js';
import { parse } from './validation.js';

/** Ids per `GET /api/users` at most: each may cost the host's directory a lookup. */
const MAX_PROFILE_IDS = 100;

/** `?ids=1,2,3`: 1 to 100 positive integers, repeats counted once. */
const IdList = z
  .string({ message: 'must be a comma-separated list of user ids' })
  .regex(/^\d{1,15}(,\d{1,15})*$/, 'must be a comma-separated list of user ids')
  .transform((s) => [...new Set(s.split(',').map(Number))])
  .refine((ids) => ids.every((id) => id > 0 && Number.isSafeInteger(id)), 'user ids must be positive integers')
  .refine((ids) => ids.length <= MAX_PROFILE_IDS, `at most ${MAX_PROFILE_IDS} ids`);

/** Names for clients (contract section 4): the profiles of the ids that exist. */
export function userRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();

  r.get('/users', ...signedIn, async (req, res) => {
    const { ids } = parse(z.object({ ids: IdList }), { ids: req.query.ids });
    res.json({ users: await ctx.manager.users.profiles(ids) });
  });

  return r;
}
