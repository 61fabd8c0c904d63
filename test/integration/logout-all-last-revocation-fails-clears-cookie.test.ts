/**
 * Log out everywhere whose last token revocation fails, after the asking
 * session was deleted (step 4 of logOutEverywhere): the 503 says to sign in
 * again, and, the session being gone, it clears the session cookie as a 204
 * would (the client does not keep a cookie of an ended session).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('log out everywhere whose last revocation fails', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
  });
  afterAll(closeAll);

  it('clears the cookie of the session it ended', async () => {
    const user = await registerUser(server);
    const versions = server.stores.tokenVersions;
    const bump = versions.bump;
    let bumps = 0;
    versions.bump = function (this: unknown, ...args: Parameters<typeof bump>) {
      bumps += 1;
      return bumps === 2 ? Promise.reject(new Error('disk I/O error')) : bump.apply(this, args);
    } as typeof bump;
    let res;
    try {
      res = await server.http.post('/api/auth/logout-all').set('cookie', user.cookie);
    } finally {
      versions.bump = bump;
    }
    expect(res.status).toBe(503);
    const cookieName = user.cookie.slice(0, user.cookie.indexOf('='));
    const cleared = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${cookieName}=`));
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    await server.http.get('/api/auth/me').set('cookie', user.cookie).expect(401);
  });
});
