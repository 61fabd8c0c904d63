import { withDeadline } from '../deadline.js';
import type { SessionData, Store } from 'express-session';

/** How many `store.get` calls one re-check keeps in flight: the host's store is shared with its own traffic. */
export const STORE_GETS_IN_FLIGHT = 8;

/** How long one `store.get` may take before the whole answer fails (and so closes nothing). */
export const STORE_GET_TIMEOUT_MS = 5000;

/** Whether a session the store still holds is still the one its sockets opened with (the same user signed in). */
export type StillSignedIn = (sessionId: string, data: SessionData) => boolean;

/**
 * The ids among `sessionIds` that an express-session store still holds
 * (SessionResolver.stillValid for a host's sessions) and that `stillSignedIn`
 * accepts: one `store.get` each, at most STORE_GETS_IN_FLIGHT at a time.
 * `get` only reads, and the stores answer nothing for a session destroyed or
 * past its expiry. A failing `get`, or one unanswered after `timeoutMs`,
 * rejects the whole answer, so a store outage closes no socket and a hung
 * store cannot hold up the re-check.
 */
export async function sessionsStillIn(
  store: Store,
  sessionIds: readonly string[],
  { stillSignedIn = () => true, timeoutMs = STORE_GET_TIMEOUT_MS }: { stillSignedIn?: StillSignedIn; timeoutMs?: number } = {},
): Promise<string[]> {
  const live: string[] = [];
  let next = 0;
  let failed = false;
  const askInTurn = async (): Promise<void> => {
    while (!failed && next < sessionIds.length) {
      const id = sessionIds[next++]!;
      try {
        const data = await stored(store, id, timeoutMs);
        if (data && stillSignedIn(id, data)) live.push(id);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STORE_GETS_IN_FLIGHT, sessionIds.length) }, askInTurn));
  return live;
}

function stored(store: Store, sessionId: string, timeoutMs: number): Promise<SessionData | null> {
  const got = new Promise<SessionData | null>((resolve, reject) => store.get(sessionId, (err, session) => (err ? reject(err) : resolve(session ?? null))));
  return withDeadline(got, timeoutMs, () => new Error(`session store get unanswered after ${timeoutMs} ms`));
}
