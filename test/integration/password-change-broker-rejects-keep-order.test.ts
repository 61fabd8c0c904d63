/**
 * Manager.keepSession never rejects: a broker that fails to publish the keep
 * order (breaking its promise not to reject) loses the order, as one that is
 * down does, and the password change still ends every other sign-in and
 * answers 204; the asking session stays signed in under its new id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/websocket/broker.js';
import { closeAll, cookieOf, login, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('a password change whose keep order the broker fails to publish', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({});
  });
  afterAll(closeAll);

  it('still ends the other sessions and answers 204', async () => {
    const user = await registerUser(server);
    const other = await login(server, user);
    const broker = (server.parlor.manager as unknown as { broker: Broker }).broker;
    const publish = broker.publishDisconnect?.bind(broker);
    broker.publishDisconnect = (order) => ('keep' in order ? Promise.reject(new Error('broker broke its promise')) : publish?.(order));
    let res;
    try {
      res = await server.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password: user.password, new_password: 'a brand new passphrase' });
    } finally {
      broker.publishDisconnect = publish;
    }
    expect(res.status).toBe(204);
    await server.http.get('/api/auth/me').set('cookie', other).expect(401);
    await server.http.get('/api/auth/me').set('cookie', cookieOf(res.headers['set-cookie'])).expect(200);
  });
});
