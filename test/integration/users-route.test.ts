/** GET /api/users?ids= on the standalone server: names from Parlor's own accounts, bounded input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

describe('GET /api/users?ids= (Parlor\'s own accounts)', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = await registerUsers(server, 2);
  });
  afterAll(closeAll);

  const get = (query: string) => server.http.get(`/api/users${query}`).set('cookie', alice.cookie);

  it('gives {id, username} for the ids that exist, in the order asked, each once', async () => {
    const res = await get(`?ids=${bob.id},999999,${alice.id},${bob.id}`).expect(200);
    expect(res.body).toEqual({
      users: [
        { id: bob.id, username: bob.username },
        { id: alice.id, username: alice.username },
      ],
    });
    expect((await get('?ids=999999').expect(200)).body).toEqual({ users: [] });
  });

  it('takes at most 100 ids; more, none, or anything but positive integers is a 400', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1).join(',');
    await get(`?ids=${hundred}`).expect(200);
    for (const bad of [`?ids=${hundred},101`, '', '?ids=', '?ids=abc', '?ids=0', '?ids=1,,2', '?ids=-1', '?ids=1.5', '?ids=1&ids=2', `?ids=${'9'.repeat(16)}`]) {
      const res = await get(bad);
      expect([bad, res.status, res.body.error]).toEqual([bad, 400, 'bad_request']);
    }
  });

  it('needs a session', async () => {
    await server.http.get(`/api/users?ids=${alice.id}`).expect(401);
  });
});
