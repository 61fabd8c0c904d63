import type { UserRateLimit } from './user-rate-limit.js';

/**
 * How many rows of an unpaginated list one read token covers (the
 * conversation list, a group's members, the online contacts): the request's
 * own token pays for the first ones, each further block costs one more.
 */
export const LIST_ROWS_PER_READ = 50;

/**
 * Charges a list read to the user's read budget by its size, once the list is
 * read. Such a list is not paginated and costs the main thread per row
 * (SQLite reads run there: 32-74 ms for 1000 conversations, about 30 ms for
 * 5000 members with their profiles), so at one token a call one account could
 * keep the main thread busy on its own. The extra tokens go into debt if need
 * be: the account's next reads wait (429 with Retry-After); this answer is
 * whole.
 */
export function chargeListRead(rateLimit: UserRateLimit | undefined, userId: number, rows: number): void {
  rateLimit?.spendReads(userId, Math.ceil(rows / LIST_ROWS_PER_READ) - 1);
}
