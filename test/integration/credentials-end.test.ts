/**
 * Contract section 5 on one real server (SQLite, real `ws` clients): a
 * session deleted or expired in the store closes its sockets within
 * SESSION_RECHECK_MS, a token socket ends at its `exp` unless a `refresh`
 * moved it, and the host API (`parlor.disconnectSession`,
 * `parlor.disconnectUser`) closes sockets with 4401, and the client SDK
 * keeps a token socket alive with `getToken()`. Revocation and the
 * token-mints-token rule are in tokens.test.ts; several instances in
 * scale-out-credentials.test.ts and redis-disconnect.test.ts.
 */
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { ParlorClient } from '../../src/client/index.js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { FakeSocket } from '../support/mocks.js';
import {
  closeAll,
  closedWithin,
  connectClient,
  login,
  registerUser,
  sessionIdOf,
  startTestServer,
  type TestClient,
  type TestServer,
  type TestUser,
} from '../support/server.js';

const TOKEN_SECRET = 'token-secret-token-secret-token-secret-0123';
const RECHECK_MS = 1000;

describe('credentials end, sockets end (one instance)', () => {
  let server: TestServer;
  let db: Database.Database;
  let alice: TestUser, bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ TOKEN_SECRET, SESSION_RECHECK_MS: String(RECHECK_MS) });
    // A second connection to the same file: the test changes the store behind the server's back.
    db = new Database((server.stores as SqliteStores).path);
    [alice, bob] = [await registerUser(server), await registerUser(server)];
  });
  afterAll(async () => {
    db?.close();
    await closeAll();
  });

  /** A token of `user` expiring at `exp` (Unix seconds), signed as the server signs them. */
  const tokenOf = (user: TestUser, exp: number) =>
    new SignJWT({ ver: 0, name: user.username })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(user.id))
      .setIssuer('parlor')
      .setAudience('/ws') // the standalone server's wsPath
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(TOKEN_SECRET));
  const withToken = (token: string) => connectClient(server, undefined, { headers: { authorization: `Bearer ${token}` } });
  const isOpen = (client: TestClient) => client.ws.readyState === client.ws.OPEN;

  describe('cookie sockets are re-checked against the session store', () => {
    it('a session row deleted from the store directly closes its sockets with 4401 within SESSION_RECHECK_MS; the other session stays', async () => {
      const second = await login(server, alice);
      const [doomed, doomed2, kept] = [await connectClient(server, second), await connectClient(server, second), await connectClient(server, alice.cookie)];
      const deletedAt = Date.now();
      expect(db.prepare('DELETE FROM sessions WHERE sid = ?').run(sessionIdOf(second)).changes).toBe(1);

      for (const client of [doomed, doomed2]) expect(await closedWithin(client, RECHECK_MS + 1000)).toEqual({ code: 4401, reason: 'session ended' });
      expect(Date.now() - deletedAt).toBeLessThanOrEqual(RECHECK_MS + 1000);
      expect(isOpen(kept)).toBe(true);
      kept.ws.close();
    });

    it('so does a session that expires in the store', async () => {
      const cookie = await login(server, bob);
      const client = await connectClient(server, cookie);
      db.prepare('UPDATE sessions SET expires = ? WHERE sid = ?').run(Date.now(), sessionIdOf(cookie));
      expect(await closedWithin(client, RECHECK_MS + 1000)).toMatchObject({ code: 4401 });
    });
  });

  describe('token sockets end at exp', () => {
    it('closes with 4401 at exp when no refresh came', async () => {
      const exp = Math.ceil(Date.now() / 1000) + 1;
      const client = await withToken(await tokenOf(alice, exp));
      expect(await closedWithin(client, 3000)).toEqual({ code: 4401, reason: 'token expired' });
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    });

    it('a refresh with a newer token of the same user moves the deadline (answered refreshed), and the socket closes at the new exp', async () => {
      const first = Math.ceil(Date.now() / 1000) + 1;
      const client = await withToken(await tokenOf(alice, first));
      client.send({ type: 'refresh', token: await tokenOf(alice, first + 1) });
      expect(await client.next('refreshed')).toEqual({ type: 'refreshed', expires_at: (first + 1) * 1000 });

      await new Promise((r) => setTimeout(r, first * 1000 + 300 - Date.now()));
      expect(isOpen(client)).toBe(true); // past the first exp
      expect(await closedWithin(client, 2000)).toMatchObject({ code: 4401 });
      expect(Date.now()).toBeGreaterThanOrEqual((first + 1) * 1000);
    });

    it("refuses another user's token (forbidden) and a forged one (bad_request); the deadline stands", async () => {
      const exp = Math.ceil(Date.now() / 1000) + 1;
      const client = await withToken(await tokenOf(alice, exp));
      client.send({ type: 'refresh', token: await tokenOf(bob, exp + 60) });
      expect(await client.next('error')).toMatchObject({ code: 'forbidden' });
      const [h, p] = (await tokenOf(alice, exp + 60)).split('.');
      client.send({ type: 'refresh', token: `${h}.${p}.forged-signature` });
      expect(await client.next('error')).toMatchObject({ code: 'bad_request' });
      expect(await closedWithin(client, 3000)).toMatchObject({ code: 4401 });
      expect(client.all('refreshed')).toEqual([]);
    });
  });

  describe('the client SDK with getToken()', () => {
    /** An SDK client on 2-second tokens of `user` (refreshed halfway), `ws` as the browser WebSocket would be: token in the query. */
    const tokenClient = (getToken: () => Promise<{ token: string; expires_at: number }>) => {
      const client = new ParlorClient({ url: server.wsUrl, WebSocket: WebSocket as never, getToken, reconnectBaseMs: 20, reconnectMaxMs: 100 });
      const opens: boolean[] = [];
      const closes: number[] = [];
      client.on('open', ({ reconnected }) => opens.push(reconnected));
      client.on('reconnecting', ({ code }) => closes.push(code));
      return { client, opens, closes };
    };
    const twoSeconds = async (user: TestUser) => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      return { token: await tokenOf(user, exp), expires_at: exp * 1000 };
    };

    it('refreshes ahead of expiry on the same socket: open once, refreshed, never closed', async () => {
      const { client, opens, closes } = tokenClient(() => twoSeconds(alice));
      const refreshed: number[] = [];
      client.on('refreshed', (f) => refreshed.push(f.expires_at));
      expect((await client.connect()).user_id).toBe(alice.id);
      await new Promise((r) => setTimeout(r, 3500)); // past the first token's exp
      expect(opens).toEqual([false]);
      expect(closes).toEqual([]);
      expect(refreshed.length).toBeGreaterThanOrEqual(1);
      expect(client.state).toBe('open');
      client.close();
    });

    it('reconnects with a fresh token when the server closed at exp (the refresh was refused), instead of stopping as for a logout', async () => {
      // Sockets open with alice's tokens; every refresh brings bob's (refused: forbidden), so the server closes at exp.
      const open = { now: false };
      const { client, opens, closes } = tokenClient(() => twoSeconds(open.now ? bob : alice));
      client.on('open', () => (open.now = true));
      client.on('reconnecting', () => (open.now = false));
      await client.connect();
      await vi.waitFor(() => expect(opens).toEqual([false, true]), { timeout: 4000, interval: 20 });
      expect(closes).toEqual([4401]);
      client.close();
    });
  });

  describe('the host API', () => {
    it('parlor.disconnectSession closes exactly that session\'s sockets; parlor.disconnectUser every socket of the user', async () => {
      const cookie = await login(server, bob);
      const token = (await server.http.post('/api/auth/token').set('cookie', bob.cookie).expect(201)).body.token as string;
      const [session, otherSession, byToken, alices] = [
        await connectClient(server, cookie),
        await connectClient(server, bob.cookie),
        await withToken(token),
        await connectClient(server, alice.cookie),
      ];
      server.parlor.disconnectSession(sessionIdOf(cookie));
      expect(await closedWithin(session, 500)).toEqual({ code: 4401, reason: 'logged out' });
      expect([isOpen(otherSession), isOpen(byToken)]).toEqual([true, true]);

      server.parlor.disconnectUser(bob.id);
      for (const client of [otherSession, byToken]) expect(await closedWithin(client, 500)).toMatchObject({ code: 4401 });
      expect(isOpen(alices)).toBe(true);
      alices.ws.close();
    });

    it("parlor.disconnectSession with no session id (a host's req.session?.id on a request without one) is a TypeError and closes no socket opened without a session", async () => {
      const token = (await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201)).body.token as string;
      const [byToken, byCookie] = [await withToken(token), await connectClient(server, alice.cookie)];
      for (const notASessionId of [undefined, null, '', 42]) {
        expect(() => server.parlor.disconnectSession(notASessionId as unknown as string)).toThrow(/^disconnectSession: a session id is a non-empty string/);
      }
      // A round trip on each socket: a 4401 sent by the calls above would arrive before the ack.
      const answer = async (client: TestClient, clientId: string) => {
        client.send({ type: 'private', to: alice.id, content: 'still signed in?', client_id: clientId });
        return Promise.race([client.next('ack', (f) => f.client_id === clientId).then(() => 'open'), client.closed]);
      };
      expect({ byToken: await answer(byToken, 'no-sid-token'), byCookie: await answer(byCookie, 'no-sid-cookie') }).toEqual({ byToken: 'open', byCookie: 'open' });
      byToken.ws.close();
      byCookie.ws.close();
    });
  });
});

describe("the session re-check with a host's own sessionResolver", () => {
  const stores = () => openSqliteStores({ path: ':memory:', writer: 'inline' });

  it('asks its stillValid, when it has one, and closes the sockets of the sessions it leaves out', async () => {
    const live = new Set(['a', 'b']);
    const s = stores();
    const parlor = createParlor({
      stores: s,
      sessionResolver: { resolve: () => null, stillValid: (ids: readonly string[]) => ids.filter((id) => live.has(id)) },
      tokens: false,
      manager: { sessionRecheckMs: 20 },
    });
    const [a, b] = [new FakeSocket(), new FakeSocket()];
    parlor.manager.addConnection(a, { userId: 1, via: 'cookie', sessionId: 'a' });
    parlor.manager.addConnection(b, { userId: 2, via: 'cookie', sessionId: 'b' });
    live.delete('a');
    await vi.waitFor(() => expect(a.closeCode).toBe(4401), { timeout: 1000, interval: 10 });
    expect(b.closeCode).toBeUndefined();
    await parlor.close();
    await s.close();
  });

  it('re-checks nothing without stillValid (Parlor cannot read a host session store)', async () => {
    const s = stores();
    const parlor = createParlor({ stores: s, sessionResolver: { resolve: () => null }, tokens: false });
    const a = new FakeSocket();
    parlor.manager.addConnection(a, { userId: 1, via: 'cookie', sessionId: 'a' });
    expect(await parlor.manager.recheckSessions()).toBe(0);
    expect(a.closeCode).toBeUndefined();
    await parlor.close();
    await s.close();
  });
});
