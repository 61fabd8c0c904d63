/**
 * Two logins at once to an account hashed with other scrypt parameters: both
 * rehash the same password, and only the first rehash is stored (the other's
 * `replacing` no longer matches). The other login's password is still the
 * account's, so it signs in: CheckedCredentials.stillValid checks the
 * password against the hash that changed, rather than refusing any change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, scryptParams } from '../../src/http/password.js';
import { holdNextCall } from '../support/hold-calls.js';
import { closeAll, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('two logins rehashing one password at once', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({});
  });
  afterAll(closeAll);

  it('both sign in; the password still works after', async () => {
    const user = await registerUser(server);
    // A hash with other parameters than the server's (PASSWORD_HASH_COST 10): each login rehashes it.
    expect(await server.stores.users.updatePasswordHash(user.id, await hashPassword(user.password, scryptParams(11)))).toBe(true);
    const signIn = () => server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).then((r) => r);
    const hold = holdNextCall(server.stores.users, 'updatePasswordHash');
    try {
      const first = signIn();
      await hold.reached; // the first login's rehash is held
      const second = await signIn(); // its rehash is stored
      expect(second.status).toBe(200);
      hold.release(); // the first one's finds another hash, and is not stored
      expect((await first).status).toBe(200);
    } finally {
      hold.restore();
      hold.release();
    }
    expect((await signIn()).status).toBe(200);
  });
});
