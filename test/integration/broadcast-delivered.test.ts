/**
 * POST /api/broadcast answers `202 {delivered: N}`, the connections reached (contract section 2): a socket the
 * server is already closing (a logout's 4401 whose client has not answered the close frame) is not written to,
 * so it is not counted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, connectAll, registerUser, startTestServer } from '../support/server.js';

describe('broadcast delivered: N', () => {
  afterAll(closeAll);

  it('does not count a socket that is closing and is not written to', async () => {
    const server = await startTestServer({ ADMIN_USERS: 'chief_review' });
    const admin = await registerUser(server, 'chief_review');
    const bob = await registerUser(server);
    const [a, b] = await connectAll(server, [admin, bob]);
    // Bob's device stops reading (a phone going to sleep): it will not answer the close frame for a while.
    (b.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await server.http.post('/api/auth/logout').set('cookie', bob.cookie).expect(204);
    await new Promise((r) => setTimeout(r, 100));

    const res = await server.http.post('/api/broadcast').set('cookie', admin.cookie).send({ content: 'hello all' }).expect(202);
    await a.next('broadcast');
    // Only the admin's socket was written to: bob's was closing (4401) and Connection.send refused it.
    expect(res.body).toEqual({ delivered: 1 });
  });
});
