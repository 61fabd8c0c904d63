import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeAll, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });

/**
 * Issue 15, finding 3: REST sends and reads had no per-user limit (1,020
 * messages stored in under 3 s by REST, while a socket allows 20 frames/s).
 * Sends take the socket's budget (WS_RATE_LIMIT / WS_RATE_BURST) per user;
 * reads their own (HTTP_READ_RATE_LIMIT / HTTP_READ_BURST).
 */
describe('per-user HTTP rate limits', () => {
  describe('with the default limits', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(closeAll);

    it('a flood of REST sends stores no more than a socket could (40 at once, then 20/s)', async () => {
      const [alice, bob] = await registerUsers(server, 2);
      const started = Date.now();
      const statuses: number[] = [];
      for (let batch = 0; batch < 12; batch++) {
        const sent = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: `flood ${batch}.${i}` }),
          ),
        );
        statuses.push(...sent.map((r) => r.status));
      }
      const elapsedS = (Date.now() - started) / 1000;
      const stored = statuses.filter((s) => s === 201).length;
      expect(new Set(statuses)).toEqual(new Set([201, 429]));
      expect(stored).toBeGreaterThanOrEqual(40);
      expect(stored).toBeLessThanOrEqual(40 + Math.ceil(20 * elapsedS) + 1);
      // Every page of the history (a slow machine refills more than 100 within the flood).
      let seen = 0;
      let before = '';
      for (;;) {
        const page = await server.http.get(`/api/messages/private?user=${alice.id}&limit=100${before}`).set('cookie', bob.cookie).expect(200);
        const messages = page.body.messages as { id: number }[];
        if (messages.length === 0) break;
        seen += messages.length;
        before = `&before=${Math.min(...messages.map((m) => m.id))}`;
      }
      expect(seen).toBe(stored);
    });
  });

  describe('with small limits', () => {
    // A token every 500 ms: a few sequential requests finish well within one.
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    let groupId: number;
    beforeAll(async () => {
      server = await startTestServer({ WS_RATE_LIMIT: '2', WS_RATE_BURST: '4', HTTP_READ_RATE_LIMIT: '2', HTTP_READ_BURST: '6' });
    });
    // Fresh users, fresh budgets (the group is created by the owner's first write).
    beforeEach(async () => {
      [alice, bob] = await registerUsers(server, 2);
      groupId = (await server.stores.groups.createGroup(alice.id, 'limited')).id;
      await server.stores.groups.invite(groupId, bob.id, alice.id);
      await server.stores.groups.respond(groupId, bob.id, true);
    });
    afterAll(closeAll);

    it('answers the send past the budget with 429 rate_limited and Retry-After, and stores nothing for it', async () => {
      const send = (i: number) => server.http.post('/api/messages/group').set('cookie', alice.cookie).send({ group_id: groupId, content: `g${i}` });
      for (let i = 0; i < 4; i++) await send(i).expect(201);
      const refused = await send(4).expect(429).expect('content-type', /json/);
      expect(refused.body).toEqual(error('rate_limited'));
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const history = await server.http.get(`/api/messages/group?group=${groupId}`).set('cookie', bob.cookie).expect(200);
      expect(history.body.messages.map((m: { content: string }) => m.content)).not.toContain('g4');
      // Bob's budget is his own.
      await server.http.post('/api/messages/group').set('cookie', bob.cookie).send({ group_id: groupId, content: 'bob is fine' }).expect(201);
      // The budget refills at the socket's rate.
      await new Promise((r) => setTimeout(r, 600));
      await send(5).expect(201);
    });

    it('shares one budget between the cookie and bearer tokens: switching credentials buys nothing', async () => {
      const token = (await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201)).body.token as string;
      const viaCookie = () => server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'c' });
      const viaToken = () => server.http.post('/api/messages/private').set('authorization', `Bearer ${token}`).send({ to: bob.id, content: 't' });
      // Sent together, so the budget refills little meanwhile, however slow the machine.
      const started = Date.now();
      const statuses = (await Promise.all([viaCookie, viaToken, viaCookie, viaToken, viaCookie, viaToken, viaCookie, viaToken].map((send) => send()))).map((r) => r.status);
      const elapsedS = (Date.now() - started) / 1000;
      // Two budgets would take 7 (the cookie's 4 less the one POST /token took, and the token's 4); one takes
      // what is left of its burst of 4 (3), and what WS_RATE_LIMIT (2/s) added while they ran.
      const taken = statuses.filter((s) => s === 201).length;
      expect(taken).toBeGreaterThanOrEqual(3);
      expect(taken).toBeLessThanOrEqual(3 + Math.ceil(2 * elapsedS));
      expect(taken).toBeLessThan(7);
      expect(statuses.filter((s) => s === 429)).toHaveLength(8 - taken);
    });

    it('charges POST /api/auth/token with a cookie to the same budget: minting tokens in a loop is limited too', async () => {
      const all = await Promise.all(Array.from({ length: 12 }, () => server.http.post('/api/auth/token').set('cookie', alice.cookie)));
      const minted = all.filter((r) => r.status === 201).length;
      expect(minted).toBeGreaterThanOrEqual(4);
      expect(minted).toBeLessThanOrEqual(5);
      expect(all.filter((r) => r.status === 429)).toHaveLength(12 - minted);
    });

    it('limits requests sent in parallel too', async () => {
      const all = await Promise.all(
        Array.from({ length: 20 }, () => server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'p' })),
      );
      const created = all.filter((r) => r.status === 201).length;
      expect(created).toBeGreaterThanOrEqual(4);
      expect(created).toBeLessThanOrEqual(5);
      expect(all.filter((r) => r.status === 429)).toHaveLength(20 - created);
    });

    it('limits the expensive reads separately from the sends', async () => {
      const reads = ['/api/conversations', '/api/notifications', `/api/messages/group?group=${groupId}`, `/api/messages/private?user=${bob.id}`, '/api/groups', '/api/users/online'];
      // Twice the burst of 6, sent together: what HTTP_READ_RATE_LIMIT (2/s) adds while they run is bounded by the time taken.
      const started = Date.now();
      const answers = await Promise.all([...reads, ...reads].map((path) => server.http.get(path).set('cookie', alice.cookie)));
      const elapsedS = (Date.now() - started) / 1000;
      const answered = answers.filter((r) => r.status === 200).length;
      expect(answered).toBeGreaterThanOrEqual(6);
      expect(answered).toBeLessThanOrEqual(Math.min(11, 6 + Math.ceil(2 * elapsedS)));
      const refused = answers.find((r) => r.status === 429)!;
      expect(answers.filter((r) => r.status === 429)).toHaveLength(12 - answered);
      expect(refused.body).toEqual(error('rate_limited'));
      expect(refused.body.message).toContain('reads');
      // Reads spent, sends still there.
      await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'still sending' }).expect(201);
    });

    it('charges logout and revoke to no user budget: a leaked token that spends it cannot keep its victim from revoking it or signing out', async () => {
      // The leaked token, minted by password (no budget), spends the user's write budget (burst 4).
      const leaked = `Bearer ${(await server.http.post('/api/auth/token').send({ username: alice.username, password: alice.password }).expect(201)).body.token}`;
      const drain = () => server.http.post('/api/notifications/read').set('authorization', leaked);
      for (let i = 0; i < 4; i++) await drain().expect(200);
      await drain().expect(429);
      // The victim's cookie still revokes, and the leaked token is dead.
      await server.http.post('/api/auth/revoke').set('cookie', alice.cookie).expect(204);
      await server.http.get('/api/auth/me').set('authorization', leaked).expect(401);
      // And still signs out.
      await server.http.post('/api/auth/logout').set('cookie', alice.cookie).expect(204);
      await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(401);
    });

    it('bounds logout and revoke by a small budget of the credential that asks (5 at once, then 1/s), apart from every other credential', async () => {
      const revoke = (credential: ['cookie' | 'authorization', string]) => server.http.post('/api/auth/revoke').set(...credential);
      for (let i = 0; i < 5; i++) await revoke(['cookie', alice.cookie]).expect(204);
      const refused = await revoke(['cookie', alice.cookie]).expect(429);
      expect(refused.body).toEqual(error('rate_limited'));
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // A token of the same user has a budget of its own; the user's write budget was not touched.
      const token = (await server.http.post('/api/auth/token').send({ username: alice.username, password: alice.password }).expect(201)).body.token as string;
      await revoke(['authorization', `Bearer ${token}`]).expect(204);
      for (let i = 0; i < 4; i++) await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: `w${i}` }).expect(201);
    });

    it('does not count requests without a valid identity against anybody', async () => {
      for (let i = 0; i < 10; i++) await server.http.get('/api/conversations').expect(401);
      await server.http.get('/api/conversations').set('cookie', bob.cookie).expect(200);
      // Nor logout and revoke: a 401 takes no credential's budget.
      for (let i = 0; i < 10; i++) {
        await server.http.post('/api/auth/revoke').set('authorization', 'Bearer not-a-token').expect(401);
        await server.http.post('/api/auth/logout').expect(401);
      }
      await server.http.post('/api/auth/revoke').set('cookie', bob.cookie).expect(204);
    });
  });

  it('HTTP_READ_RATE_LIMIT=0 turns the read limit off', async () => {
    const server = await startTestServer({ HTTP_READ_RATE_LIMIT: '0', HTTP_READ_BURST: '1' });
    const [alice] = await registerUsers(server, 1);
    for (let i = 0; i < 30; i++) await server.http.get('/api/conversations').set('cookie', alice.cookie).expect(200);
    await closeAll();
  });
});
