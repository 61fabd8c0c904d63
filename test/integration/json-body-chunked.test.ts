/**
 * "JSON in" for a chunked body: a body sent with Transfer-Encoding and no
 * Content-Length that is not JSON is a 400 too (src/http/json-body.ts counts it as
 * content). Read as "no body", POST /api/notifications/read would mark every
 * notification read.
 */
import { request } from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { closeAll, createGroup, registerUsers, startTestServer } from '../support/server.js';

afterAll(closeAll);

it('a chunked text/plain body to POST /api/notifications/read is a 400 and marks nothing read', async () => {
  const server = await startTestServer();
  const [owner, invitee] = await registerUsers(server, 2);
  await createGroup(server, owner, [], [invitee], 'one');
  const unread = async () => (await server.http.get('/api/notifications').set('cookie', invitee.cookie).expect(200)).body.unread as number;
  expect(await unread()).toBe(1);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      `${server.url}/api/notifications/read`,
      { method: 'POST', headers: { cookie: invitee.cookie, 'content-type': 'text/plain;charset=UTF-8', 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write(JSON.stringify({ ids: [1] }));
    req.end();
  });
  expect(status).toBe(400);
  expect(await unread()).toBe(1);
});
