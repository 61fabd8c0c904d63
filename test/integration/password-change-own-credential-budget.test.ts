/**
 * `POST /api/auth/password` and `/logout-all` end credentials, so they are
 * charged to the credential that asks (chargedToOwnCredential), as logout and
 * revoke are: a leaked token that spends the user's write budget cannot keep
 * its victim from changing the password or logging out everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('password change and log out everywhere: charged to the asking credential', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ WS_RATE_LIMIT: '2', WS_RATE_BURST: '4', TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
  });
  afterAll(closeAll);

  async function drainedByLeakedToken() {
    const user = await registerUser(server);
    const leaked = `Bearer ${(await server.http.post('/api/auth/token').send({ username: user.username, password: user.password }).expect(201)).body.token}`;
    const drain = () => server.http.post('/api/notifications/read').set('authorization', leaked);
    let status = 200;
    for (let i = 0; i < 20 && status !== 429; i++) status = (await drain()).status;
    expect(status).toBe(429); // the user's write budget is spent
    return { user, leaked };
  }

  it('the victim still changes the password, and the leaked token is dead', async () => {
    const { user, leaked } = await drainedByLeakedToken();
    await server.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password: user.password, new_password: 'a brand new passphrase' }).expect(204);
    await server.http.get('/api/auth/me').set('authorization', leaked).expect(401);
  });

  it('the victim still logs out everywhere, and the leaked token is dead', async () => {
    const { user, leaked } = await drainedByLeakedToken();
    await server.http.post('/api/auth/logout-all').set('cookie', user.cookie).expect(204);
    await server.http.get('/api/auth/me').set('authorization', leaked).expect(401);
  });
});
