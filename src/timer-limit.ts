/**
 * setTimeout's longest delay, 2^31 - 1 ms (about 24.8 days): a longer one
 * fires at once. A later deadline is reached in steps of at most this (the
 * server's token deadlines, the client SDK's token refreshes). No
 * dependencies, so the SDK's bundle takes it as it is.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Why a configured delay over MAX_TIMER_MS is refused, worded once for the
 * environment, `createParlor`'s options and the RedisBroker's: Node would not
 * wait that long but fire at once, an interval every millisecond.
 */
export const TIMER_TOO_LONG = `must be at most ${MAX_TIMER_MS} ms (about 24.8 days): a longer timer delay fires at once`;
