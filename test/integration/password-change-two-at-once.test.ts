/**
 * Two password changes made with the same current password, at once: the
 * new hash is stored only over the hash each one verified
 * (`updatePasswordHash(id, hash, replacing)`), so only the first lands; the
 * other is a 409 that changed nothing (its new password does not sign in,
 * the first one's does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdNextCall } from '../support/hold-calls.js';
import { closeAll, login, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('two password changes with one current password', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({});
  });
  afterAll(closeAll);

  it('only the first to store its hash lands; the other is a 409 and changes nothing', async () => {
    const user = await registerUser(server);
    const otherDevice = await login(server, user);
    const change = (cookie: string, new_password: string) =>
      server.http.post('/api/auth/password').set('cookie', cookie).send({ current_password: user.password, new_password }).then((r) => r);

    const hold = holdNextCall(server.stores.users, 'updatePasswordHash');
    let late;
    try {
      const first = change(user.cookie, 'the first new passphrase');
      await hold.reached; // the first change verified the current password; its store is held
      const second = await change(otherDevice, 'the second new passphrase');
      expect(second.status).toBe(204);
      hold.release();
      late = await first;
    } finally {
      hold.restore();
    }
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('conflict');
    const signIn = (password: string) => server.http.post('/api/auth/login').send({ username: user.username, password });
    await signIn('the second new passphrase').expect(200);
    await signIn('the first new passphrase').expect(401);
    await signIn(user.password).expect(401);
  });
});
