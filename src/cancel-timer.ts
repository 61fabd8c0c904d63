/**
 * Clears an unref'd timer so that nothing of it is left in Node's timer
 * lists. Node keeps one list per duration; clearTimeout deletes a list it
 * leaves empty only when the timer was ref'd (lib/internal/timers.js,
 * `unenroll`: "We only delete refed lists because unrefed ones are
 * incredibly likely to come from http and be recreated shortly after").
 * The empty list of an unref'd timer stays in the list map and the priority
 * queue until the timer's original expiry. For a timer of a duration of its
 * own (a bearer token's `exp - now`, a random spread) that is one list per
 * timer, kept for as long as the timer would have run (up to 24.8 days):
 * thousands, on a server whose token sockets come and go. Ref'ing the timer
 * just before clearing it makes Node delete the list; the timer is gone at
 * once, so it never holds the process open.
 *
 * For every unref'd timer Parlor clears before it fires and whose duration
 * is not one fixed setting. Accepts undefined, as clearTimeout does.
 */
export function cancelTimer(timer: NodeJS.Timeout | undefined): void {
  if (timer === undefined) return;
  timer.ref();
  clearTimeout(timer);
}
