/**
 * POST /api/auth/register undoes an account whose session could not be saved
 * (the store down, the SQLite writer refusing its backlog). The same
 * credentials may have signed in meanwhile (a second tab's login, POST
 * /api/auth/token with the password): what they obtained must not outlive the
 * account. It must not name the next account either: on SQLite the next
 * registration got the deleted id (users.id without AUTOINCREMENT, migration
 * 010), and the old cookie and token then acted as the new user.
 *
 * The fault: the session store's `set` fails for the registering request only,
 * once the test let the second tab in.
 */
import type { SessionData } from 'express-session';
import { expect, it } from 'vitest';
import { describeOnEveryStore } from '../support/every-store.js';
import { closedWithin, connectClient, cookieOf, upgradeStatus, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';

type SetSession = (sid: string, session: SessionData, cb?: (err?: unknown) => void) => void;

/** Holds the save of `username`'s session until `fail()` is called, then fails it; every other save goes through. */
function holdSessionSave(server: TestServer, username: string): { fail(): void; restore(): void } {
  const store = server.stores.sessions as unknown as { set: SetSession };
  const realSet = store.set;
  let failSave: (() => void) | undefined;
  store.set = (sid, session, cb) => {
    if (!failSave && (session as { username?: string }).username === username) {
      failSave = () => cb?.(new Error('injected: the session store is down'));
      return;
    }
    realSet.call(store, sid, session, cb);
  };
  return {
    fail: () => failSave?.(),
    restore: () => void (store.set = realSet),
  };
}

await describeOnEveryStore('an undone registration', (on) => {
  it('leaves no working cookie or token of the deleted account, and the next account gets another id', async () => {
    const { server } = on;
    const username = `undone_${process.pid}`;
    const save = holdSessionSave(server, username);
    try {
      const registered = server.http.post('/api/auth/register').send({ username, password: PASSWORD }).then((res) => res);

      // The second tab: signs in as soon as the account exists, takes a token, opens a socket.
      let login;
      for (let i = 0; i < 500; i++) {
        login = await server.http.post('/api/auth/login').send({ username, password: PASSWORD });
        if (login.status === 200) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(login?.status).toBe(200);
      const undoneId: number = login!.body.id;
      const cookie = cookieOf(login!.headers['set-cookie']);
      const token = await server.http.post('/api/auth/token').send({ username, password: PASSWORD }).expect(201);
      const bearer = { authorization: `Bearer ${token.body.token}` };
      const tab = await connectClient(server, cookie);

      save.fail();
      expect((await registered).status).toBe(503);
      // The socket the second tab opened goes with the account (a deletion: 4401).
      expect((await closedWithin(tab, 2000)).code).toBe(4401);

      const next = await server.http.post('/api/auth/register').send({ username: `next_${process.pid}`, password: PASSWORD }).expect(201);
      expect(next.body.id, 'an id of a deleted account is not handed out again').not.toBe(undoneId);

      await server.http.get('/api/auth/me').set('cookie', cookie).expect(401);
      await server.http.get('/api/auth/me').set(bearer).expect(401);
      expect(await upgradeStatus(server.wsUrl, { cookie }), 'the cookie of a deleted account opens no socket').toBe(401);
      expect(await upgradeStatus(server.wsUrl, bearer)).toBe(401);
    } finally {
      save.restore();
    }
  }, 30_000);
});
