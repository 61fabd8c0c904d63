/**
 * Log out everywhere whose own session cannot be deleted (the session store
 * fails `destroy`, step 3 of logOutEverywhere): a 503 "try again", not a 204,
 * and the asking cookie is still signed in, so the same cookie asks again and
 * that retry ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, login, registerUser, startTestServer, type TestServer } from '../support/server.js';

type DestroyFn = (sid: string, cb?: (err?: unknown) => void) => void;

describe('log out everywhere whose own session cannot be deleted', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
  });
  afterAll(closeAll);

  it('is a 503 "try again"; the cookie still works and a retry ends it', async () => {
    const user = await registerUser(server);
    const other = await login(server, user);
    const store = server.stores.sessions as unknown as { destroy: DestroyFn };
    const destroy = store.destroy;
    let failed = 0;
    store.destroy = function (this: unknown, sid, cb) {
      if (failed === 0) {
        failed += 1;
        // Answered a moment later, as a store's round trip would be.
        setTimeout(() => cb?.(new Error('disk I/O error')), 20);
        return;
      }
      return destroy.call(this, sid, cb);
    };
    let res;
    try {
      res = await server.http.post('/api/auth/logout-all').set('cookie', user.cookie);
    } finally {
      store.destroy = destroy;
    }
    expect(failed).toBe(1);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'unavailable', message: 'not every session or token could be ended; try again' });
    await server.http.get('/api/auth/me').set('cookie', other).expect(401); // step 1 ran
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(200);
    await server.http.post('/api/auth/logout-all').set('cookie', user.cookie).expect(204);
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(401);
  });
});
