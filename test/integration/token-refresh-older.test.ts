/**
 * Contract §5: a token socket closes at `exp` "unless the client sent
 * {"type":"refresh","token":"<newer token of the same user>"}"; docs/tokens.md:
 * "the socket now ends at the new token's exp". An OLDER token of the same
 * user (issued before the socket's own, earlier exp) is no newer token: it
 * must not be answered `refreshed`, nor pull the socket's deadline earlier.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const TOKEN_SECRET = 'token-secret-token-secret-token-secret-0123';
let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer({ TOKEN_SECRET });
  alice = await registerUser(server);
});
afterAll(() => closeAll());

const tokenOf = (user: TestUser, iat: number, exp: number) =>
  new SignJWT({ ver: 0 })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(user.id))
    .setIssuer('parlor')
    .setAudience('/ws') // the standalone server's wsPath
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(TOKEN_SECRET));

it('a refresh with an older token of the same user does not move the deadline earlier', async () => {
  const now = Math.floor(Date.now() / 1000);
  // Older by its exp (ends in 2 s). Issued now, not before: a token issued before its account was created is refused.
  const older = await tokenOf(alice, now, now + 2);
  const newer = await tokenOf(alice, now, now + 30); // the socket's own token, ends in 30 s
  const client = await connectClient(server, undefined, { headers: { authorization: `Bearer ${newer}` } });
  client.send({ type: 'refresh', token: older });
  expect(await client.next('error')).toMatchObject({ code: 'bad_request', message: expect.stringContaining('newer') });
  // Wait past the older token's exp: the socket opened with a 30 s token must still be open.
  await new Promise((r) => setTimeout(r, (now + 2) * 1000 + 700 - Date.now()));
  expect(client.all('refreshed')).toEqual([]);
  expect(client.ws.readyState).toBe(client.ws.OPEN);
  client.ws.close();
});
