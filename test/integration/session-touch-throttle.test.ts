/**
 * Rule (docs/operations.md, "Limits that protect the server"): everything a
 * stranger can send is bounded in size, rate and cost; over the budget the
 * answer is 429 "nothing stored", and the budgets protect the store's write
 * path. A session store's touch is a write, so it is throttled: a session's
 * expiry is written only when it moves by TOUCH_AFTER_MS (a minute) or more.
 *
 * What used to happen: with `resave: false` express-session calls
 * `store.touch` when any response with an unchanged session ends, a 429 past
 * the read budget included, and both stores wrote on every touch (SQLite
 * through the group-commit writer, connect-pg-simple an UPDATE). A signed-in
 * client looping on GET /api/auth/me made one store write per request at
 * whatever rate it sent.
 *
 * Both backends: the writes are counted where they reach the database (the
 * SQLite writer's `touchSession`, PostgreSQL's UPDATE of the session table),
 * and an active session is still extended once the clock has moved on.
 */
import type { Database } from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOUCH_AFTER_MS } from '../../src/session/touch-throttle.js';
import { adminQuery, dropSchema, freshSchema } from '../support/postgres.js';
import { closeAll, registerUser, sessionIdOf, startTestServer, type TestServer, type TestUser } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

interface Backend {
  env: Record<string, string>;
  /** Starts counting the session-expiry writes that reach the database; returns the count so far. */
  countTouchWrites(server: TestServer): () => number;
  /** The stored expiry of `sid`, in Unix ms. */
  storedExpiry(server: TestServer, sid: string): Promise<number>;
}

function touchThrottleSuite(name: string, backend: () => Backend): void {
  describe(`${name}: a signed-in client's requests and its session store`, () => {
    let server: TestServer;
    let alice: TestUser;

    beforeAll(async () => {
      server = await startTestServer({ ...backend().env, HTTP_READ_RATE_LIMIT: '1', HTTP_READ_BURST: '1' });
      alice = await registerUser(server);
    });
    afterEach(() => vi.useRealTimers());
    afterAll(closeAll);

    it('costs the session store no write for the requests the budget refuses with 429', async () => {
      const writes = backend().countTouchWrites(server);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await server.http.get('/api/auth/me').set('cookie', alice.cookie)).status);
      const admitted = statuses.filter((s) => s === 200).length;
      const refused = statuses.filter((s) => s === 429).length;
      expect(refused, 'the budget refused most of them').toBeGreaterThan(30);
      // The session was written by the registration a moment ago: no touch moves its expiry by a minute.
      expect(writes(), `session-expiry writes for ${admitted} admitted and ${refused} refused requests`).toBe(0);
    });

    it('still extends an active session once its expiry would move by the throttle step', async () => {
      const sid = sessionIdOf(alice.cookie);
      const before = await backend().storedExpiry(server, sid);
      const writes = backend().countTouchWrites(server);
      await new Promise((r) => setTimeout(r, 1100)); // the read budget (1/s) admits one more
      // Only Date moves (the session's expiry and the budgets' clocks); timers run as usual.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + TOUCH_AFTER_MS + 5000 });
      expect((await server.http.get('/api/auth/me').set('cookie', alice.cookie)).status).toBe(200);
      await vi.waitFor(() => expect(writes()).toBe(1));
      await vi.waitFor(async () => expect(await backend().storedExpiry(server, sid)).toBeGreaterThanOrEqual(before + TOUCH_AFTER_MS));
      await server.http.get('/api/auth/me').set('cookie', alice.cookie); // 200 or 429: either ends in a touch
      expect(writes(), 'the next touch, a moment later, writes nothing').toBe(1);
    });
  });
}

touchThrottleSuite('SQLite', () => ({
  env: {},
  countTouchWrites(server) {
    const writer = (server.stores as unknown as { writer: { run: (...args: unknown[]) => unknown } }).writer;
    const run = writer.run.bind(writer);
    let n = 0;
    writer.run = (...args: unknown[]) => {
      if (args[0] === 'touchSession') n++;
      return run(...args);
    };
    return () => n;
  },
  async storedExpiry(server, sid) {
    const db = (server.stores as unknown as { db: Database }).db;
    return db.prepare<[string], number>('SELECT expires FROM sessions WHERE sid = ?').pluck().get(sid)!;
  },
}));

await describeWithPostgres('PostgreSQL session store touch', (url) => {
  const schema = freshSchema('touch');
  afterAll(() => dropSchema(url, schema));
  touchThrottleSuite('PostgreSQL', () => ({
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    countTouchWrites(server) {
      const db = (server.stores as unknown as { db: { query: (text: string, values?: unknown[]) => unknown } }).db;
      const query = db.query.bind(db);
      let n = 0;
      db.query = (text: string, values?: unknown[]) => {
        if (/^UPDATE .*"session" SET expire/.test(text)) n++;
        return query(text, values);
      };
      return () => n;
    },
    async storedExpiry(_server, sid) {
      const rows = await adminQuery<{ expire: Date }>(url, `SELECT expire FROM ${schema}."session" WHERE sid = $1`, [sid]);
      return rows[0]!.expire.getTime();
    },
  }));
});
