/**
 * Rule (docs/contract.md, login over a signed-in session): a register or login
 * over a signed-in session replaces it, and the replaced session's sockets
 * close with 4401 within 2 s, as at logout.
 *
 * What used to happen when the NEW session could not be saved: signIn
 * regenerates first (express-session destroys the old session in the store),
 * then the save fails and the route answers 503 before it closed the old
 * session's sockets. The old cookie was signed out (401) but its sockets kept
 * working as that user until the next re-check (SESSION_RECHECK_MS, 60 s).
 *
 * The fault: the session store's `set` fails for the one request under test.
 */
import type { SessionData } from 'express-session';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, closedWithin, connectClient, registerUser, startTestServer, type TestServer } from '../support/server.js';

type SetSession = (sid: string, session: SessionData, cb?: (err?: unknown) => void) => void;

/** Runs `request` with every session save failing, then puts the store's `set` back. */
async function withSessionSavesFailing<T>(server: TestServer, request: () => Promise<T>): Promise<T> {
  const store = server.stores.sessions as unknown as { set: SetSession };
  const realSet = store.set;
  store.set = (_sid, _session, cb) => cb?.(new Error('injected: the session store is down'));
  try {
    return await request();
  } finally {
    store.set = realSet;
  }
}

describe('a sign-in over a signed-in session whose new session cannot be saved', () => {
  afterAll(closeAll);

  for (const route of ['login', 'register'] as const) {
    it(`${route}: 503, and the replaced session's socket closes with 4401 within 2 s`, async () => {
      const server = await startTestServer();
      const x = await registerUser(server);
      const y = await registerUser(server);
      const socket = await connectClient(server, x.cookie);

      const body = route === 'login' ? { username: y.username, password: y.password } : { username: `fresh_${route}`, password: y.password };
      const res = await withSessionSavesFailing(server, () => server.http.post(`/api/auth/${route}`).set('cookie', x.cookie).send(body));
      expect(res.status).toBe(503);

      await server.http.get('/api/auth/me').set('cookie', x.cookie).expect(401);
      expect((await closedWithin(socket, 2000)).code).toBe(4401);
    });
  }
});
