import type { RequestHandler } from 'express';
import { z } from 'zod';
import { httpError } from './http-error.js';
import type { PageQuery } from '../types.js';

/** Parses with a zod schema or throws a 400 naming the first bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw httpError('bad_request', `${where}${issue.message}`);
}

/** A non-negative integer in a query string ("12"); anything else is a 400. */
const QueryInt = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a non-negative integer')
  .transform(Number);

export const QueryId = QueryInt.pipe(z.number().int().positive('must be a positive integer'));

/**
 * A page parameter: any non-negative integer, however many digits (the
 * contract clamps `limit` and asks a 400 only for non-integers and
 * negatives); read as at most Number.MAX_SAFE_INTEGER. 400 past 30 digits:
 * nobody means that, and the string is bounded.
 */
const PageInt = z
  .string()
  .regex(/^\d{1,30}$/, 'must be a non-negative integer')
  .transform((s) => Math.min(Number(s), Number.MAX_SAFE_INTEGER));

const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;
/**
 * The deepest `offset`: a store walks past every skipped row, so an unbounded
 * offset lets one request cost a scan. Deeper pages use `before=<oldest id>`.
 */
const MAX_OFFSET = 1000;

export const PageParams = z.object({
  // 0 is a non-negative integer (the contract's 400s are non-integers and negatives): an empty page whose has_more says whether there is any.
  limit: PageInt.optional(),
  offset: PageInt.pipe(z.number().max(MAX_OFFSET, `must be at most ${MAX_OFFSET}; page further back with before=<oldest id>`)).optional(),
  // 0 is a valid cursor: nothing is older, so the page is empty.
  before: PageInt.optional(),
});

/** `limit` default 50, clamped to 100 (0: an empty page); `offset` default 0, at most 1000 (else a 400); `before` as given (0: an empty page). */
export function pageOf(query: unknown): PageQuery {
  const p = parse(PageParams, query);
  const page: PageQuery = { limit: Math.min(p.limit ?? DEFAULT_PAGE, MAX_PAGE), offset: p.offset ?? 0 };
  if (p.before !== undefined) page.before = p.before;
  return page;
}

/**
 * Parlor's path ids are integers (contract section 2), so a path whose `:id`
 * segment is not digits (`/api/groups/featured/members`, a host's slug) is not
 * Parlor's: it falls through to the host before any log line, header or
 * sign-in check (contract section 4, "a router without side effects"). Digits
 * that are no valid id (`0`, 16 digits) are Parlor's path with a bad id: 400.
 */
export const onlyNumericPathIds: RequestHandler = (req, _res, next) =>
  next(Object.values(req.params).every((v) => typeof v === 'string' && /^\d+$/.test(v)) ? undefined : 'route');

/**
 * A path that cannot be decoded (a malformed percent-encoding, `/api/users/%E0/block`)
 * is not Parlor's either: its ids are digits, never `%E0`. It leaves Parlor's
 * router before any route is matched, since Express's router would otherwise
 * fail to decode the `:id` while matching and answer a 400 for a path the host
 * may own (contract section 4, "a router without side effects").
 */
export const onlyDecodablePaths: RequestHandler = (req, _res, next) => next(decodes(req.path) ? undefined : 'router');

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** The path parameter `:id`. */
export function idParam(value: unknown, name = 'id'): number {
  return parse(z.object({ [name]: QueryId }), { [name]: value })[name] as number;
}
