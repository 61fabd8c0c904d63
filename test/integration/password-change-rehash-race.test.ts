/**
 * A login's rehash (an account hashed with other scrypt parameters, rehashed
 * at PASSWORD_HASH_COST) that races a password change must not bring the old
 * password back: the rehash replaces only the hash it verified
 * (`updatePasswordHash(id, hash, replacing)`), and the login whose password the
 * change made stale is refused (CheckedCredentials.stillValid).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, scryptParams } from '../../src/http/password.js';
import { holdNextCall } from '../support/hold-calls.js';
import { closeAll, registerUser, startTestServer, type TestServer } from '../support/server.js';

const NEW_PASSWORD = 'a brand new passphrase';

describe('a login rehash racing a password change', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
  });
  afterAll(closeAll);

  it('the rehash of the old password, stored after the change, does not undo it; that login is refused', async () => {
    const user = await registerUser(server);
    const token = (await server.http.post('/api/auth/token').set('cookie', user.cookie).expect(201)).body.token as string;
    // The account's hash made with other parameters than the server's (PASSWORD_HASH_COST 10): a login rehashes it.
    const oldHash = await hashPassword(user.password, scryptParams(11));
    expect(await server.stores.users.updatePasswordHash(user.id, oldHash)).toBe(true);

    const hold = holdNextCall(server.stores.users, 'updatePasswordHash');
    try {
      const signingIn = server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).then((r) => r);
      await hold.reached; // the old password checked and rehashed; its store is held
      await server.http
        .post('/api/auth/password')
        .set('authorization', `Bearer ${token}`)
        .send({ current_password: user.password, new_password: NEW_PASSWORD })
        .expect(204);
      hold.release();
      expect((await signingIn).status).toBe(401);
    } finally {
      hold.restore();
    }
    await server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).expect(401);
    await server.http.post('/api/auth/login').send({ username: user.username, password: NEW_PASSWORD }).expect(200);
  });
});
