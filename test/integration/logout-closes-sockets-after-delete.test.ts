/**
 * Logout closes the session's sockets after its delete, not before: a socket
 * closed first could open again (a client reconnects at once) with the cookie
 * whose session still exists, and live until the next re-check. While the
 * delete is under way, the socket stays open; once it is done, 4401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdNextCall } from '../support/hold-calls.js';
import { closeAll, closedWithin, connectClient, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('logout and the sockets of its session', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({});
  });
  afterAll(closeAll);

  it('closes them once the session is deleted, not while the delete is under way', async () => {
    const user = await registerUser(server);
    const socket = await connectClient(server, user.cookie);
    const hold = holdNextCall(server.stores.sessions, 'destroy');
    try {
      const loggingOut = server.http.post('/api/auth/logout').set('cookie', user.cookie).then((r) => r);
      await hold.reached;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      hold.release();
      expect((await loggingOut).status).toBe(204);
    } finally {
      hold.restore();
      hold.release();
    }
    expect(await closedWithin(socket, 2000)).toEqual({ code: 4401, reason: 'logged out' });
  });
});
