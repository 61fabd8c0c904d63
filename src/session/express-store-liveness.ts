import type { Store } from 'express-session';

/** How many `store.get` calls one re-check keeps in flight: the host's store is shared with its own traffic. */
export const STORE_GETS_IN_FLIGHT = 8;

/**
 * The ids among `sessionIds` that an express-session store still holds
 * (SessionResolver.stillValid for a host's sessions): one `store.get` each,
 * at most STORE_GETS_IN_FLIGHT at a time. `get` only reads, and the stores
 * answer nothing for a session destroyed or past its expiry. A failing `get`
 * rejects the whole answer, so a store outage closes no socket.
 */
export async function sessionsStillIn(store: Store, sessionIds: readonly string[]): Promise<string[]> {
  const live: string[] = [];
  let next = 0;
  let failed = false;
  const askInTurn = async (): Promise<void> => {
    while (!failed && next < sessionIds.length) {
      const id = sessionIds[next++]!;
      try {
        if (await holds(store, id)) live.push(id);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STORE_GETS_IN_FLIGHT, sessionIds.length) }, askInTurn));
  return live;
}

function holds(store: Store, sessionId: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    store.get(sessionId, (err, session) => (err ? reject(err) : resolve(session !== null && session !== undefined)));
  });
}
