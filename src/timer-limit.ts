/**
 * setTimeout's longest delay, 2^31 - 1 ms (about 24.8 days): a longer one
 * fires at once. A later deadline is reached in steps of at most this (the
 * server's token deadlines, the client SDK's token refreshes). No
 * dependencies, so the SDK's bundle takes it as it is.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
