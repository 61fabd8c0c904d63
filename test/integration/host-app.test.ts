/**
 * Parlor inside a host app that owns its sessions (contract section 4): the
 * host's express-session in front, Parlor's router mounted at the root (the
 * hardest case for side effects), a host resolver, no account routes.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { expressSessionResolver } from '../../src/session/express-session-resolver.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { captureLogger, closeAll, closedWithin, connectClient, sessionIdOf, tempDir, targetOf, upgradeStatus, type HttpTarget } from '../support/server.js';

declare module 'express-session' {
  interface SessionData {
    hostUserId: number;
  }
}

const TOKEN_SECRET = 'a token secret of at least thirty-two characters';

interface Host {
  target: HttpTarget;
  parlor: Parlor;
  store: session.MemoryStore;
  log: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

/** A host app: its own session (cookie `host.sid`), its own login, its own /api routes after Parlor's, its own 404. */
async function startHost(stores: SqliteStores, parlorOptions: Partial<Parameters<typeof createParlor>[0]> = {}): Promise<Host> {
  const store = new session.MemoryStore();
  const hostSession = session({ name: 'host.sid', secret: 'the host app secret', store, resave: false, saveUninitialized: false });
  const log = captureLogger();
  const parlor = createParlor({
    stores,
    sessionResolver: expressSessionResolver(hostSession, (s) => s.hostUserId, { cookieName: 'host.sid' }),
    tokens: { secret: TOKEN_SECRET },
    logger: log.logger,
    ...parlorOptions,
  });
  const app = express();
  app.use(hostSession);
  app.use(express.json());
  app.post('/login', (req, res) => {
    req.session.hostUserId = Number(req.body.id);
    res.json({ signed_in: req.session.hostUserId });
  });
  // A logout that keeps the session and only forgets who was signed in.
  app.post('/logout', (req, res) => {
    delete req.session.hostUserId;
    res.json({ signed_in: null });
  });
  app.use(parlor.router);
  app.use('/internal', parlor.opsRouter);
  app.get('/api/profile', (req, res) => {
    res.json({ host: 'profile', user: req.session.hostUserId ?? null });
  });
  app.use((_req, res) => {
    res.status(404).json({ host: 'no such page' });
  });
  const server: Server = createServer(app);
  parlor.attach(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    target,
    parlor,
    store,
    log,
    async close() {
      await parlor.close();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** Signs in through the host's own login and returns the host cookie. */
async function hostLogin(host: Host, id: number): Promise<string> {
  const res = await host.target.http.post('/login').send({ id }).expect(200);
  return (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
}

function sessionsIn(store: session.MemoryStore): Promise<Array<Record<string, unknown>>> {
  return new Promise((ok, fail) =>
    store.all((err, all) => (err ? fail(err) : ok(Object.values(all ?? {}) as unknown as Array<Record<string, unknown>>))),
  );
}

describe('inside a host app that owns its sessions', () => {
  let stores: SqliteStores;
  let host: Host;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0 });
    host = await startHost(stores);
  });
  afterAll(async () => {
    await host?.close();
    await stores?.close();
    await closeAll();
  });

  describe('never writes a session it does not own (the account-takeover reproduction)', () => {
    it.each([
      ['post', '/api/auth/register'],
      ['post', '/api/auth/login'],
      ['post', '/api/auth/logout'],
      ['get', '/api/auth/me'],
      ['post', '/api/auth/token'],
      ['post', '/api/auth/revoke'],
      ['post', '/api/auth/password'],
      ['post', '/api/auth/logout-all'],
    ] as const)('%s %s falls through to the host, anonymous or signed in', async (method, path) => {
      const victim = await hostLogin(host, 1);
      for (const cookie of [undefined, victim]) {
        const req = host.target.http[method](path).send({ username: 'mallory', password: 'mallory-password' });
        const res = await (cookie ? req.set('cookie', cookie) : req).expect(404);
        expect(res.body).toEqual({ host: 'no such page' });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      // The host's sessions hold what the host wrote, nothing of Parlor's.
      for (const s of await sessionsIn(host.store)) expect(Object.keys(s).sort()).toEqual(['cookie', 'hostUserId']);
      expect((await host.target.http.get('/api/profile').set('cookie', victim).expect(200)).body).toEqual({ host: 'profile', user: 1 });
    });
  });

  describe('a router without side effects', () => {
    it("an OPTIONS request (a CORS preflight) for Parlor's paths reaches the host: Parlor serves no OPTIONS", async () => {
      const before = host.log.lines.length;
      for (const path of ['/api/messages/private', '/api/groups', '/api/conversations']) {
        const res = await host.target.http.options(path).set('origin', 'https://app.example').set('access-control-request-method', 'POST').expect(404);
        expect(res.body).toEqual({ host: 'no such page' });
        expect(res.headers.allow).toBeUndefined();
      }
      expect(host.log.lines.slice(before)).toEqual([]);
    });

    it("the host's own /api route after Parlor's router: answered by the host, no Parlor header, no Parlor log line", async () => {
      const before = host.log.lines.length;
      const res = await host.target.http.get('/api/profile').expect(200);
      expect(res.body).toEqual({ host: 'profile', user: null });
      for (const header of ['x-request-id', 'content-security-policy', 'x-content-type-options', 'strict-transport-security']) {
        expect(res.headers[header]).toBeUndefined();
      }
      // Parlor parses no body and logs nothing for a path it does not serve (the host's 404 answers).
      await host.target.http.post('/api/unknown').send('not json').set('content-type', 'text/plain').expect(404);
      expect(host.log.lines.slice(before)).toEqual([]);
    });

    it("Parlor's own routes do log and send their headers", async () => {
      const cookie = await hostLogin(host, 2);
      const before = host.log.lines.length;
      const res = await host.target.http.get('/api/conversations').set('cookie', cookie).expect(200);
      expect(res.body).toEqual({ conversations: [] });
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(host.log.lines.slice(before).map((l) => l.req?.url)).toEqual(['/api/conversations']);
    });

    it('/healthz and /metrics are not at the root, only where the host mounts opsRouter', async () => {
      expect((await host.target.http.get('/healthz').expect(404)).body).toEqual({ host: 'no such page' });
      expect((await host.target.http.get('/metrics').expect(404)).body).toEqual({ host: 'no such page' });
      expect((await host.target.http.get('/internal/healthz').expect(200)).body).toEqual({ status: 'ok' });
      expect((await host.target.http.get('/internal/metrics').expect(200)).text).toContain('parlor_ws_connections');
    });
  });

  describe("authentication by the host's express-session", () => {
    it('HTTP: the host cookie signs in; no cookie is a 401', async () => {
      const cookie = await hostLogin(host, 3);
      await host.target.http.get('/api/notifications').set('cookie', cookie).expect(200);
      await host.target.http.get('/api/notifications').expect(401);
    });

    it('/ws: the host cookie opens a socket as that user (express middleware does not run on upgrade: the resolver runs it)', async () => {
      const cookie = await hostLogin(host, 4);
      const socket = await connectClient(host.target, cookie);
      expect(socket.frames[0]).toMatchObject({ type: 'welcome', user_id: 4 });
      expect(await upgradeStatus(host.target.wsUrl)).toBe(401);
      expect(await upgradeStatus(host.target.wsUrl, { cookie, origin: 'http://evil.example' })).toBe(403);
    });

    it('reading the session on the upgrade writes nothing to the host store', async () => {
      const before = (await sessionsIn(host.store)).length;
      expect(await upgradeStatus(host.target.wsUrl, { cookie: 'host.sid=s%3Aforged.sig' })).toBe(401);
      expect(await upgradeStatus(host.target.wsUrl)).toBe(401);
      expect((await sessionsIn(host.store)).length).toBe(before);
    });
  });

  describe("sockets end with the host's session (the re-check reads the host's store)", () => {
    it('a session destroyed by another process closes its sockets with 4401 at the next re-check; other sessions stay; nothing is written', async () => {
      const [ended, kept] = [await hostLogin(host, 5), await hostLogin(host, 6)];
      const [endedSocket, keptSocket] = [await connectClient(host.target, ended), await connectClient(host.target, kept)];
      await new Promise<void>((ok) => host.store.destroy(sessionIdOf(ended), () => ok()));
      const writes = [vi.spyOn(host.store, 'set'), vi.spyOn(host.store, 'touch'), vi.spyOn(host.store, 'destroy')];

      expect(await host.parlor.manager.recheckSessions()).toBe(1);
      expect(await closedWithin(endedSocket, 1000)).toEqual({ code: 4401, reason: 'session ended' });
      expect(keptSocket.ws.readyState).toBe(keptSocket.ws.OPEN);
      for (const write of writes) expect(write).not.toHaveBeenCalled();
      for (const write of writes) write.mockRestore();
      keptSocket.ws.close();
    });

    it("the host's store failing closes nothing: an outage is not a logout", async () => {
      const socket = await connectClient(host.target, await hostLogin(host, 7));
      const get = vi.spyOn(host.store, 'get').mockImplementation((_id, callback) => callback(new Error('store unreachable')));
      const before = host.log.lines.length;
      try {
        expect(await host.parlor.manager.recheckSessions()).toBe(0);
      } finally {
        get.mockRestore();
      }
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      expect(host.log.lines.slice(before).map((l) => l.msg)).toContain('session re-check failed; cookie sockets stay open until the next one');
      socket.ws.close();
    });

    it('asks each session of the store that served it (a host with a store per tenant)', async () => {
      const [tenantA, tenantB] = [new session.MemoryStore(), new session.MemoryStore()];
      const sessionA = session({ name: 'host.sid', secret: 'the host app secret', store: tenantA, resave: false, saveUninitialized: false });
      const sessionB = session({ name: 'host.sid', secret: 'the host app secret', store: tenantB, resave: false, saveUninitialized: false });
      const perTenant: express.RequestHandler = (req, res, next) => (req.headers.host?.startsWith('b.') ? sessionB : sessionA)(req, res, next);
      const resolver = expressSessionResolver(perTenant, (s) => s.hostUserId, { cookieName: 'host.sid' });
      const put = (store: session.MemoryStore, id: string) =>
        new Promise<void>((ok) => store.set(id, { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, hostUserId: 1 } as never, () => ok()));
      await put(tenantA, 'sid-a');
      await put(tenantB, 'sid-b');
      const signed = (id: string) => `host.sid=${encodeURIComponent(`s:${id}.${createHmac('sha256', 'the host app secret').update(id).digest('base64').replace(/=+$/, '')}`)}`;
      // The upgrade request of a socket (only those are recorded: sockets come from nothing else).
      const request = (host: string, id: string) => ({ headers: { host, cookie: signed(id), upgrade: 'websocket' }, url: '/', method: 'GET' }) as unknown as IncomingMessage;
      expect(await resolver.resolve(request('a.example', 'sid-a'))).toMatchObject({ userId: 1, sessionId: 'sid-a' });
      expect(await resolver.resolve(request('b.example', 'sid-b'))).toMatchObject({ userId: 1, sessionId: 'sid-b' });
      expect([...(await resolver.stillValid!(['sid-a', 'sid-b']))].sort()).toEqual(['sid-a', 'sid-b']);
      await new Promise<void>((ok) => tenantB.destroy('sid-b', () => ok()));
      expect([...(await resolver.stillValid!(['sid-a', 'sid-b']))]).toEqual(['sid-a']);
    });

    it('a logout that keeps the session but clears its user closes its sockets at the next re-check; other sessions stay', async () => {
      const [ended, kept] = [await hostLogin(host, 15), await hostLogin(host, 16)];
      const [endedSocket, keptSocket] = [await connectClient(host.target, ended), await connectClient(host.target, kept)];
      await host.target.http.post('/logout').set('cookie', ended).expect(200);
      expect(await sessionsIn(host.store)).toContainEqual(expect.not.objectContaining({ hostUserId: expect.anything() }));

      expect(await host.parlor.manager.recheckSessions()).toBe(1);
      expect(await closedWithin(endedSocket, 1000)).toEqual({ code: 4401, reason: 'session ended' });
      expect(keptSocket.ws.readyState).toBe(keptSocket.ws.OPEN);
      keptSocket.ws.close();
    });

    it("a sign-in as another user in the session the host kept: the new user's socket closes the earlier user's at once", async () => {
      const cookie = await hostLogin(host, 17);
      const earlier = await connectClient(host.target, cookie);
      await host.target.http.post('/login').set('cookie', cookie).send({ id: 18 }).expect(200);
      const next = await connectClient(host.target, cookie);
      expect(next.all('welcome')[0]?.user_id).toBe(18);
      expect(await closedWithin(earlier, 1000)).toEqual({ code: 4401, reason: 'logged out' });
      expect(next.ws.readyState).toBe(next.ws.OPEN);
      next.ws.close();
    });

    it("a sign-in as another user, then only a refused upgrade of the new one: the earlier user's socket still ends at the re-check", async () => {
      const cookie = await hostLogin(host, 21);
      const earlier = await connectClient(host.target, cookie);
      await host.target.http.post('/login').set('cookie', cookie).send({ id: 22 }).expect(200);
      // Resolved as user 22, then refused: a foreign Origin.
      expect(await upgradeStatus(host.target.wsUrl, { cookie, origin: 'http://evil.example' })).toBe(403);
      expect(await host.parlor.manager.recheckSessions()).toBe(1);
      expect(await closedWithin(earlier, 1000)).toEqual({ code: 4401, reason: 'session ended' });
    });

    describe('what the re-check compares: the user a session now holds against the one its socket opened as', () => {
      const store = new session.MemoryStore();
      const hostSession = session({ name: 'host.sid', secret: 'the host app secret', store, resave: false, saveUninitialized: false });
      const hold = (id: string, data: Record<string, unknown>) =>
        new Promise<void>((ok) => store.set(id, { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, ...data } as never, () => ok()));
      const signed = (id: string) => `host.sid=${encodeURIComponent(`s:${id}.${createHmac('sha256', 'the host app secret').update(id).digest('base64').replace(/=+$/, '')}`)}`;
      const upgrade = (id: string) => ({ headers: { host: 'a.example', cookie: signed(id), upgrade: 'websocket' }, url: '/', method: 'GET' }) as unknown as IncomingMessage;
      // What the Manager tells the re-check: the user each session's added socket opened as (here: every resolved upgrade is added).
      const openedAs = new Map<string, number>();
      const live = async (resolver: ReturnType<typeof expressSessionResolver>, ids: string[]) => [...(await resolver.stillValid!(ids, (id) => openedAs.get(id)))].sort();
      const open = async (resolver: ReturnType<typeof expressSessionResolver>, id: string) => {
        const identity = await resolver.resolve(upgrade(id));
        if (identity?.sessionId !== undefined) openedAs.set(identity.sessionId, identity.userId);
        return identity;
      };

      it('live while the same user is signed in; not once it holds nobody or another user', async () => {
        const resolver = expressSessionResolver(hostSession, (s) => s.hostUserId, { cookieName: 'host.sid' });
        for (const id of ['same', 'cleared', 'switched']) {
          await hold(id, { hostUserId: 1 });
          expect(await open(resolver, id)).toMatchObject({ userId: 1, sessionId: id });
        }
        await hold('cleared', {});
        await hold('switched', { hostUserId: 2 });
        expect(await live(resolver, ['same', 'cleared', 'switched'])).toEqual(['same']);
      });

      it("compares with the user the Manager's socket opened as, not with the newest upgrade the resolver answered (one refused after its lookup)", async () => {
        const resolver = expressSessionResolver(hostSession, (s) => s.hostUserId, { cookieName: 'host.sid' });
        await hold('refused', { hostUserId: 1 });
        await open(resolver, 'refused');
        await hold('refused', { hostUserId: 2 });
        // The new user's upgrade is resolved, then refused (a foreign Origin, a budget): no socket of user 2 was added.
        expect(await resolver.resolve(upgrade('refused'))).toMatchObject({ userId: 2 });
        expect(await live(resolver, ['refused'])).toEqual([]);
      });

      it('a numeric string and a number name the same user', async () => {
        const resolver = expressSessionResolver(hostSession, (s) => (s as { account?: unknown }).account, { cookieName: 'host.sid' });
        await hold('as-string', { account: 7 });
        expect(await open(resolver, 'as-string')).toMatchObject({ userId: 7 });
        await hold('as-string', { account: '7' });
        expect(await live(resolver, ['as-string'])).toEqual(['as-string']);
      });

      it('a userIdOf that reads session.id (who signed in kept by session id) still sees its user: the re-check ends no live session', async () => {
        // A host that keeps who is signed in beside the session, keyed by its id: session.id is part of
        // express-session's Session, and a userIdOf of the session alone may read it.
        const signedIn = new Map<string, number>([['by-id', 6]]);
        const resolver = expressSessionResolver(hostSession, (s) => signedIn.get(s.id), { cookieName: 'host.sid' });
        await hold('by-id', {});
        expect(await open(resolver, 'by-id')).toMatchObject({ userId: 6, sessionId: 'by-id' });
        expect(await live(resolver, ['by-id'])).toEqual(['by-id']);
        signedIn.delete('by-id');
        expect(await live(resolver, ['by-id'])).toEqual([]);
      });

      it('a userIdOf that reads the request is not asked without one: existence only', async () => {
        const resolver = expressSessionResolver(hostSession, (s, req) => (req?.headers?.host === 'a.example' ? s.hostUserId : null), { cookieName: 'host.sid' });
        await hold('needs-req', { hostUserId: 3 });
        expect(await open(resolver, 'needs-req')).toMatchObject({ userId: 3 });
        await hold('needs-req', {});
        expect(await live(resolver, ['needs-req'])).toEqual(['needs-req']);
        await new Promise<void>((ok) => store.destroy('needs-req', () => ok()));
        expect(await live(resolver, ['needs-req'])).toEqual([]);
      });

      it('a userIdOf that throws on the stored session leaves it to existence alone, and fails nothing else', async () => {
        let throwing = false;
        const resolver = expressSessionResolver(
          hostSession,
          (s) => {
            if (throwing) throw new Error('reads something the stored copy lacks');
            return s.hostUserId;
          },
          { cookieName: 'host.sid' },
        );
        await hold('throws', { hostUserId: 4 });
        await hold('gone', { hostUserId: 5 });
        await open(resolver, 'throws');
        await open(resolver, 'gone');
        await new Promise<void>((ok) => store.destroy('gone', () => ok()));
        throwing = true;
        expect(await live(resolver, ['throws', 'gone'])).toEqual(['throws']);
      });
    });

    it('store: false turns the re-check off', () => {
      const hostSession = session({ secret: 'the host app secret', resave: false, saveUninitialized: false });
      expect(expressSessionResolver(hostSession, (s) => s.hostUserId, { store: false }).stillValid).toBeUndefined();
      expect(expressSessionResolver(hostSession, (s) => s.hostUserId).stillValid).toEqual(expect.any(Function));
    });
  });

  describe('bearer tokens for the host apps, next to the host resolver', () => {
    it('parlor.tokens.issue(id) for a user Parlor has no account for opens /ws and calls the routes; revokeAll ends them', async () => {
      expect(await stores.users.findById(77)).toBeNull();
      const { token, expires_at } = await host.parlor.tokens.issue(77);
      expect(expires_at).toBeGreaterThan(Date.now());
      const socket = await connectClient(host.target, undefined, { headers: { authorization: `Bearer ${token}` } });
      expect(socket.frames[0]).toMatchObject({ type: 'welcome', user_id: 77 });
      await host.target.http.get('/api/conversations').set('authorization', `Bearer ${token}`).expect(200);

      await host.parlor.tokens.revokeAll(77);
      expect(await closedWithin(socket, 1000)).toEqual({ code: 4401, reason: 'tokens revoked' });
      expect(await upgradeStatus(host.target.wsUrl, { authorization: `Bearer ${token}` })).toBe(401);
      await host.target.http.get('/api/conversations').set('authorization', `Bearer ${token}`).expect(401);
    });

    it('tokens: false turns them off and says so', async () => {
      const off = createParlor({ stores, sessionResolver: { resolve: () => null }, tokens: false });
      await expect(off.tokens.issue(1)).rejects.toThrow('bearer tokens are turned off');
      await off.close();
    });
  });
});

describe('errors the host can read: a throwing host interface', () => {
  let stores: SqliteStores;
  let host: Host;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(tempDir(), 'chat.db'), sessionPruneIntervalMs: 0 });
    host = await startHost(stores, {
      sessionResolver: {
        resolve: (req) => {
          if (req.headers['x-break'] === 'session') throw new Error('host session store down');
          return { userId: 5, via: 'cookie' };
        },
      },
      groupMemberFetcher: {
        acceptedMembers: () => Promise.reject(new Error('host groups service down')),
      },
    });
  });
  afterAll(async () => {
    await host?.close();
    await stores?.close();
    await closeAll();
  });

  it('sessionResolver: 503 unavailable on HTTP and on the upgrade, logged as a warning naming it', async () => {
    const res = await host.target.http.get('/api/conversations').set('x-break', 'session').expect(503);
    expect(res.body).toEqual({ error: 'unavailable', message: 'sessionResolver is unavailable, try again later' });
    expect(await upgradeStatus(host.target.wsUrl, { 'x-break': 'session' })).toBe(503);
    const named = host.log.lines.filter((l) => l.interface === 'sessionResolver');
    expect(named.map((l) => l.msg)).toEqual(['sessionResolver failed', 'sessionResolver failed during upgrade']);
    expect(named.every((l) => l.level === 40)).toBe(true);
  });

  it('groupMemberFetcher: 503 unavailable on HTTP, an internal error frame over the socket, a warning naming it (no error line)', async () => {
    const from = host.log.lines.length;
    const res = await host.target.http.post('/api/messages/group').send({ group_id: 1, content: 'hi' }).expect(503);
    expect(res.body).toEqual({ error: 'unavailable', message: 'groupMemberFetcher is unavailable, try again later' });
    const socket = await connectClient(host.target);
    socket.send({ type: 'group', group_id: 1, content: 'hi', client_id: 'g1' });
    expect(await socket.next('error')).toMatchObject({ code: 'internal', client_id: 'g1' });
    const lines = host.log.lines.slice(from);
    const named = lines.filter((l) => l.interface === 'groupMemberFetcher');
    expect(named.map((l) => [l.level, l.msg])).toEqual([
      [40, 'groupMemberFetcher failed'], // HTTP
      [40, 'groupMemberFetcher failed'], // the frame
    ]);
    expect(JSON.stringify(named)).toContain('host groups service down');
    // docs/operations.md: an error line means Parlor or one of its stores failed; the host's outage is a warning (the 503's request line too).
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});
