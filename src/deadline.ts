import { cancelTimer } from './cancel-timer.js';

/**
 * `work`'s answer, or the error `late()` makes once `ms` have passed without
 * one; a late answer is ignored. The timer keeps no process alive and is
 * cleared when the answer comes, with cancelTimer: `ms` is the caller's, and
 * may be a duration of its own. The one timeout of a call Parlor waits on:
 * the upgrade's session lookup and every call to a host's interface.
 */
export function withDeadline<T>(work: T | PromiseLike<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms).unref();
  });
  return Promise.race([work, timeout]).finally(() => cancelTimer(timer));
}
