/**
 * A password change whose new session cannot be saved (the session store
 * fails `set`): a 503 that says the new password is stored, and the request
 * keeps its old session as it was (renewOwnSession restores it): no cookie for
 * a new id is answered, no session is written under one, the old cookie is
 * still signed in, and the user has no session but that one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, registerUser, sessionIdOf, startTestServer, type TestServer } from '../support/server.js';

type SetFn = (sid: string, sess: unknown, cb?: (err?: unknown) => void) => void;

describe('a password change whose new session cannot be saved', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({});
  });
  afterAll(closeAll);

  it('is a 503 that sets no cookie, leaves the old session alone and writes no other', async () => {
    const user = await registerUser(server);
    const oldSid = sessionIdOf(user.cookie);
    const store = server.stores.sessions as unknown as { set: SetFn };
    const set = store.set;
    let failed = 0;
    store.set = function (this: unknown, sid, sess, cb) {
      if (sid !== oldSid && failed === 0) {
        failed += 1;
        cb?.(new Error('disk I/O error'));
        return;
      }
      return set.call(this, sid, sess, cb);
    };
    let res;
    try {
      res = await server.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password: user.password, new_password: 'a brand new passphrase' });
    } finally {
      store.set = set;
    }
    expect(failed).toBe(1);
    expect(res.status).toBe(503);
    // The hash is stored by then: the 503 says so, and what to do.
    expect(res.body).toEqual({
      error: 'unavailable',
      message: 'the new password is stored, but other sessions or tokens may still be signed in: sign in with the new password if needed, then POST /api/auth/logout-all',
    });
    expect(res.headers['set-cookie']).toBeUndefined();
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(200);
    // The old session is the user's only one: nothing was saved under another id.
    expect(await server.stores.sessions.destroyUserSessions(user.id, oldSid)).toEqual([]);
    expect(await server.stores.sessions.liveSessionIds([oldSid!])).toEqual([oldSid]);
  });
});
