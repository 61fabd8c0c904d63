/**
 * Contract §5: `parlor.disconnectUser(userId)` (ban, deletion): every socket of
 * that user closes with 4401 within 2 s. A host whose ids come from PostgreSQL
 * bigint columns holds them as numeric strings (docs/contract.md: "The
 * fetcher's ids may be numbers or numeric strings (`pg` gives bigint columns
 * as strings)"; `userIdOf` "may return a number or a numeric string"). Such
 * an id must either ban the user or be refused loudly (as tokens.issue does),
 * never be accepted and silently close nothing. Anything else is a TypeError naming the call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeAll, closedWithin, connectClient, registerUser, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll());

it('disconnectUser with the id as a numeric string closes the user\'s sockets, not nothing', async () => {
  const u = await registerUser(server);
  const { token } = (await server.http.post('/api/auth/token').set('cookie', u.cookie).expect(201)).body;
  const [byCookie, byToken] = [await connectClient(server, u.cookie), await connectClient(server, undefined, { headers: { authorization: `Bearer ${token}` } })];
  server.parlor.disconnectUser(String(u.id) as unknown as number);
  expect(await closedWithin(byCookie, 2000)).toEqual({ code: 4401, reason: 'signed out by the server' });
  expect(await closedWithin(byToken, 2000)).toEqual({ code: 4401, reason: 'signed out by the server' });
});

it('tokens.revokeAll with the id as a numeric string closes the token sockets within 2 s', async () => {
  const u = await registerUser(server);
  const { token } = (await server.http.post('/api/auth/token').set('cookie', u.cookie).expect(201)).body;
  const byToken = await connectClient(server, undefined, { headers: { authorization: `Bearer ${token}` } });
  await server.parlor.tokens.revokeAll(String(u.id) as unknown as number);
  expect(await closedWithin(byToken, 2000)).toEqual({ code: 4401, reason: 'tokens revoked' });
});

it('an id that is no user id is a TypeError naming the call, not an order that matches nobody', async () => {
  expect(() => server.parlor.disconnectUser('abc' as unknown as number)).toThrow(/^disconnectUser: a user id is a positive integer/);
  expect(() => server.parlor.disconnectUser(-1)).toThrow(TypeError);
  await expect(server.parlor.tokens.revokeAll(1.5)).rejects.toThrow(/^tokens\.revokeAll: /);
  await expect(server.parlor.tokens.issue('x' as unknown as number)).rejects.toThrow(/^tokens\.issue: /);
});
