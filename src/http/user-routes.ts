import { Router } from 'express';
import { z } from 'zod';
import type { HttpContext } from './context.js';
import type { RouteChains } from './route-chains.js';
import { parse } from './validation.js';
import { MAX_PROFILE_IDS_PER_REQUEST } from '../wire-limits.js';

/** `?ids=1,2,3`: 1 to MAX_PROFILE_IDS_PER_REQUEST (100) positive integers, repeats counted once: each may cost the host's directory a lookup. */
const IdList = z
  .string({ message: 'must be a comma-separated list of user ids' })
  .regex(/^\d{1,15}(,\d{1,15})*$/, 'must be a comma-separated list of user ids')
  .transform((s) => [...new Set(s.split(',').map(Number))])
  .refine((ids) => ids.every((id) => id > 0 && Number.isSafeInteger(id)), 'user ids must be positive integers')
  .refine((ids) => ids.length <= MAX_PROFILE_IDS_PER_REQUEST, `at most ${MAX_PROFILE_IDS_PER_REQUEST} ids`);

/** Names for clients (contract section 4): the profiles of the ids that exist. */
export function userRoutes(ctx: HttpContext, { signedIn }: RouteChains): Router {
  const r = Router();

  r.get('/users', ...signedIn, async (req, res) => {
    const { ids } = parse(z.object({ ids: IdList }), { ids: req.query.ids });
    res.json({ users: await ctx.manager.users.profiles(ids) });
  });

  return r;
}
