/**
 * How the session stores call express-session back: on a later turn of the
 * event loop, outside any promise chain, so that a callback that throws is
 * the caller's (an uncaught exception), never a rejected promise of ours.
 * One helper for both backends: they used to differ (setImmediate on
 * SQLite, process.nextTick on PostgreSQL).
 */
export function later<T>(callback: ((err: unknown, value?: T) => void) | undefined, err: unknown, value?: T): void {
  if (callback) setImmediate(() => (err ? callback(err) : callback(null, value)));
}
