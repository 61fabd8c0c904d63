/**
 * Security review: no session id in any log line, when the host's own
 * session store fails.
 *
 * A host mounts Parlor with `expressSessionResolver` over its express-session
 * store; a store on Redis (connect-redis and most hand-written ones use
 * ioredis) answers a Redis error while Redis restarts (`LOADING`), after a
 * password change (`NOAUTH`), on a read-only replica... ioredis puts the
 * failed command and its arguments on the error (`err.command.args`: the key,
 * `sess:<session id>`), and Parlor logged the store's error as it was (pino
 * serialises every field of an error): the session id of whoever knocked,
 * in the warn line "sessionResolver failed", on HTTP routes and on the
 * upgrade alike. The broker's own Redis errors are cleaned
 * (the broker's own logger); the host's were not. Now every logger Parlor is
 * given logs through withLoggableErrors (src/loggable-error.ts).
 */
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import session, { Store, type SessionData } from 'express-session';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { expressSessionResolver } from '../../src/session/express-session-resolver.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { captureLogger, connectClient, targetOf, upgradeStatus, type HttpTarget } from '../support/server.js';
import { startFailingRedis, type FailingRedis } from '../support/failing-redis.js';

const SECRET = 'host-session-secret-host-session-secret';
const SESSION_ID = 'Sx9hostSessionIdThatMustNeverBeLogged';

/** express-session's signed cookie value (cookie-signature's `sign`). */
const sign = (value: string, secret: string) => `${value}.${createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')}`;

/** The smallest Redis session store, as connect-redis reads a session: GET sess:<id>. Until `failing`, it answers from memory (Redis was fine then). */
class RedisSessionStore extends Store {
  failing = true;
  readonly sessions = new Map<string, SessionData>();
  constructor(private readonly redis: Redis) {
    super();
  }
  override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
    if (!this.failing) return cb(null, this.sessions.get(sid) ?? null);
    this.redis.get(`sess:${sid}`).then((raw) => cb(null, raw ? (JSON.parse(raw) as SessionData) : null), cb);
  }
  override set(sid: string, data: SessionData, cb?: (err?: unknown) => void): void {
    this.redis.set(`sess:${sid}`, JSON.stringify(data)).then(() => cb?.(), cb);
  }
  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.redis.del(`sess:${sid}`).then(() => cb?.(), cb);
  }
}

describe("the host's session store fails with a Redis error", () => {
  let fake: FailingRedis;
  let redis: Redis;
  let store: RedisSessionStore;
  let stores: Stores;
  let parlor: Parlor;
  let http: HttpServer;
  let target: HttpTarget;
  const dir = mkdtempSync(join(tmpdir(), 'parlor-host-store-'));
  const log = captureLogger('debug');
  const cookie = `connect.sid=${encodeURIComponent(`s:${sign(SESSION_ID, SECRET)}`)}`;

  beforeAll(async () => {
    // A Redis that is restarting: every command is answered with LOADING.
    fake = await startFailingRedis('LOADING Redis is loading the dataset in memory');
    redis = new Redis({ port: fake.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0 });

    store = new RedisSessionStore(redis);
    const hostSession = session({ secret: SECRET, store, resave: false, saveUninitialized: false });
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    parlor = createParlor({
      stores,
      sessionResolver: expressSessionResolver(hostSession, (s) => (s as { userId?: number }).userId),
      sessionSecret: SECRET,
      logger: log.logger,
    });
    const app = express();
    app.use(parlor.router);
    http = createHttpServer(app);
    parlor.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    target = targetOf(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await parlor?.close();
    http?.closeAllConnections();
    await new Promise((resolve) => http?.close(resolve));
    redis?.disconnect();
    await fake?.close();
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an HTTP route answers 503, and the log names the failure without the session id', async () => {
    const res = await target.http.get('/api/conversations').set('cookie', cookie);
    expect(res.status).toBe(503);
    const text = JSON.stringify(log.lines);
    expect(text).toContain('LOADING');
    expect(text).not.toContain(SESSION_ID);
  });

  it('the upgrade answers 503, and the log names the failure without the session id', async () => {
    expect(await upgradeStatus(target.wsUrl, { cookie })).toBe(503);
    const lines = log.lines.filter((l) => /failed during upgrade/.test(String(l.msg)));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).toContain('LOADING');
    expect(JSON.stringify(lines)).not.toContain(SESSION_ID);
  });

  it('the session re-check, when the store fails, logs without the session ids it asked about', async () => {
    store.failing = false;
    store.sessions.set(SESSION_ID, { cookie: { originalMaxAge: null }, userId: 7 } as unknown as SessionData);
    const client = await connectClient(target, cookie);
    store.failing = true;
    expect(await parlor.manager.recheckSessions()).toBe(0);
    const lines = log.lines.filter((l) => /re-check failed/.test(String(l.msg)));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).toContain('LOADING');
    expect(JSON.stringify(lines)).not.toContain(SESSION_ID);
    client.ws.terminate();
  });
});
