/**
 * Property-based fuzzing of every JSON route with random bodies, path ids,
 * query strings and credentials (issue 5, item 7): never a 5xx, every 4xx is
 * a JSON `{error, message}`, and a refused request writes nothing (every
 * table's rows are compared before and after; only session expiry may move).
 */
import type { Database } from 'better-sqlite3';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idArbitraries } from '../support/fuzz-ids.js';
import { closeAll, expectServing, registerUser, startTestServer, type TestServer, type TestUser } from '../support/server.js';

type Method = 'get' | 'post';

interface Call {
  method: Method;
  path: string;
  /** A JSON value to send as the body, or a raw body with its content type. */
  body?: { json: unknown } | { raw: string; contentType: string; encoding?: string };
  /** Which user's cookie to send; none by default. */
  as?: 'alice' | 'admin' | 'none';
  headers?: Record<string, string>;
}

const ADMIN = 'fuzz_admin';

/** Any generated value as URL text (String() throws on objects whose toString is not a function). */
const asText = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

describe('fuzzing the HTTP routes', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let g1: number; // alice owner, bob accepted
  let g2: number; // bob only
  let g3: number; // bob; alice invited
  let msg: number; // bob -> alice
  let db: Database;
  const statuses = new Map<string, number>();

  beforeAll(async () => {
    // Budgets far above the runs: a fuzz run of 250 requests by one user should reach the routes, not 429 (http-rate-limit.test.ts).
    server = await startTestServer({ ADMIN_USERS: ADMIN, WS_RATE_BURST: '100000', HTTP_READ_BURST: '100000' });
    const stores = server.stores as unknown as { db?: Database };
    if (!stores.db) throw new Error('the HTTP fuzz compares SQLite tables; the test server must use the SQLite store');
    db = stores.db;
    [alice, bob, admin] = [await registerUser(server), await registerUser(server), await registerUser(server, ADMIN)];
    const group = async (owner: TestUser, name: string) =>
      (await server.http.post('/api/groups').set('cookie', owner.cookie).send({ name }).expect(201)).body.id as number;
    g1 = await group(alice, 'http-g1');
    g2 = await group(bob, 'http-g2');
    g3 = await group(bob, 'http-g3');
    await server.http.post('/api/groups/invite').set('cookie', alice.cookie).send({ group_id: g1, user_id: bob.id }).expect(201);
    await server.http.post(`/api/groups/${g1}/accept`).set('cookie', bob.cookie).expect(200);
    await server.http.post('/api/groups/invite').set('cookie', bob.cookie).send({ group_id: g3, user_id: alice.id }).expect(201);
    msg = (await server.http.post('/api/messages/private').set('cookie', bob.cookie).send({ to: alice.id, content: 'hi' }).expect(201)).body.id;
  });
  afterAll(async () => {
    console.info(`HTTP statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    await closeAll();
  });

  /** Every table's rows, except session rows whose expiry moves on each authenticated request (counted only). */
  function snapshot(): string {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return JSON.stringify(
      tables.map((t) => [t, t === 'sessions' ? db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() : db.prepare(`SELECT * FROM "${t}"`).raw().all()]),
    );
  }

  async function send(call: Call): Promise<Response> {
    let req = server.http[call.method](call.path);
    const cookie = call.as === 'alice' ? alice.cookie : call.as === 'admin' ? admin.cookie : undefined;
    if (cookie) req = req.set('cookie', cookie);
    for (const [k, v] of Object.entries(call.headers ?? {})) req = req.set(k, v);
    if (call.body && 'json' in call.body) {
      req = req.set('content-type', 'application/json').send(JSON.stringify(call.body.json) ?? 'null');
    } else if (call.body) {
      if (call.body.contentType) req = req.set('content-type', call.body.contentType);
      if (call.body.encoding) req = req.set('content-encoding', call.body.encoding);
      req = req.send(call.body.raw);
    }
    return req;
  }

  /** The contract's answer to anything: no 5xx, JSON errors, and no write when refused. */
  async function check(call: Call): Promise<Response> {
    const before = snapshot();
    const earlier = earlierUnderClientId(call);
    const res = await send(call);
    const key = `${call.method.toUpperCase()} ${call.path.replace(/\/api\/groups\/[^/]+\//, '/api/groups/:id/').split('?')[0]} ${res.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const what = `${call.method.toUpperCase()} ${call.path.slice(0, 200)} ${JSON.stringify(call.body ?? null)?.slice(0, 300)} -> ${res.status} ${res.text?.slice(0, 200)}`;
    expect(res.status, what).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers['content-type'], what).toMatch(/^application\/json/);
      expect(res.body, what).toEqual({ error: expect.any(String), message: expect.any(String) });
      if (res.status === 400) expect(res.body.error, what).toBe('bad_request');
      expect(snapshot(), `a refused request wrote nothing: ${what}`).toBe(before);
    } else if (res.status !== 204) {
      expect(res.headers['content-type'], what).toMatch(/^application\/json/);
      await checkStoredAsAnswered(call, res, what, earlier);
    }
    return res;
  }

  /**
   * Alice's message stored earlier under the client_id of `call`, if any: a
   * resend answers it. The fuzzer repeats short ids (across runs too). Asked
   * of the database with the id bound as the server binds it, so ids SQLite
   * stores alike (lone surrogates) count as the same.
   */
  function earlierUnderClientId(call: Call): number | undefined {
    const sent = call.body && 'json' in call.body ? (call.body.json as Record<string, unknown> | null) : undefined;
    if (!call.path.startsWith('/api/messages/') || typeof sent?.client_id !== 'string') return undefined;
    return db.prepare('SELECT id FROM messages WHERE sender_id = ? AND client_id = ?').pluck().get(alice.id, sent.client_id) as number | undefined;
  }

  /** What a 201 answers is what was stored, and what was sent (trimmed), or for a client_id used before, the first message. */
  async function checkStoredAsAnswered(call: Call, res: Response, what: string, earlier: number | undefined): Promise<void> {
    const sent = call.body && 'json' in call.body ? (call.body.json as Record<string, unknown>) : undefined;
    if (call.path.startsWith('/api/messages/') && res.status === 201) {
      const [row] = await server.stores.messages.messagesSince(alice.id, res.body.id - 1, 1);
      expect(row, what).toMatchObject({ id: res.body.id, content: res.body.content });
      if (earlier !== undefined) expect(res.body.id, `a resend answers the first message: ${what}`).toBe(earlier);
      else expect(res.body.content, what).toBe((sent?.content as string).trim());
    }
    if (call.path === '/api/groups' && res.status === 201) {
      expect((await server.stores.groups.getGroup(res.body.id))?.name, what).toBe(res.body.name);
      expect(res.body.name, what).toBe((sent?.name as string).trim());
    }
  }

  // ---- arbitraries -------------------------------------------------------

  const known = () => fc.constantFrom(alice.id, bob.id, admin.id, g1, g2, g3, msg);
  const { idLike } = idArbitraries(known);
  const text = () =>
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.tuple(fc.string({ maxLength: 4 }), fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))).map(([a, b]) => a + b),
      fc.constantFrom('', ' ', '\u00a0', '\u0000', 'admin', 'null', '<b>x</b>', "' OR 1=1 --", 'a'.repeat(33), 'abc', 'ab'),
      fc.tuple(fc.integer({ min: 3998, max: 4002 }), fc.constantFrom('x', '\u{1f600}')).map(([n, c]) => c.repeat(n)),
      fc.constant('p'.repeat(2000)),
      fc.integer(),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }),
    );
  const username = () =>
    fc.oneof(fc.constantFrom(alice.username, bob.username, ADMIN, ADMIN.toUpperCase()), fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/), text());
  /** An object with the route's field names (each maybe missing) plus junk keys, or any JSON value at all. */
  const bodyOf = (fields: Record<string, fc.Arbitrary<unknown>>) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.record(fields, { requiredKeys: [] }).map((json) => ({ json })) },
      fc
        .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }))
        .map(([a, b]) => ({ json: { ...b, ...a } })),
      fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })),
      rawBody(),
    );
  const rawBody = () =>
    fc.record({
      raw: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('{', '{"a":', '{"username":"x",}', '[1,2', 'null', '"str"', '123', "{'a':1}", '\ufeff{}', '{"__proto__":{"admin":true}}'),
        fc.constant(`{"content":"${'q'.repeat(120 * 1024)}"}`), // over the 100kb body limit: 413
        fc.integer({ min: 100, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
      ),
      encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'), { nil: undefined }),
    });
  /** A path segment: ids, junk, and malformed percent-encoding. */
  const segment = () =>
    fc.oneof(
      { weight: 3, arbitrary: idLike().map((v) => encodeURIComponent(asText(v))) },
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
      fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%00', '..', '%2e%2e', '%2F', '1%20', 'undefined'),
    );
  /** A query value: numbers, junk, malformed escapes; sometimes repeated (an array after parsing). */
  const queryValue = () =>
    fc.oneof(
      { weight: 3, arbitrary: idLike().map((v) => encodeURIComponent(asText(v))) },
      fc.constantFrom('', '%', '%E0%A4%A', '100', '101', '1000000', '0', '-0', '1e2', '00012', '%20', '1.0'),
      fc.string({ maxLength: 10 }).map(encodeURIComponent),
    );
  const query = (names: string[]) =>
    fc
      .array(fc.tuple(fc.constantFrom(...names, 'junk', 'limit[]', '__proto__'), queryValue()), { maxLength: 5 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')}` : ''));

  const run = (arb: fc.Arbitrary<Call>, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(arb, async (call) => {
        await check(call);
      }),
      { numRuns },
    );

  // ---- properties ----------------------------------------------------------

  it('register, login and token: random credentials never 5xx and a refusal writes nothing', async () => {
    const creds = () => bodyOf({ username: username(), password: fc.oneof(fc.string({ minLength: 0, maxLength: 12 }), text(), fc.constant(alice.password)) });
    await run(
      fc.oneof(
        creds().map((body): Call => ({ method: 'post', path: '/api/auth/register', body })),
        creds().map((body): Call => ({ method: 'post', path: '/api/auth/login', body })),
        creds().map((body): Call => ({ method: 'post', path: '/api/auth/token', body })),
      ),
      150,
    );
  });

  it('groups: create, invite, accept, decline, leave and members with random bodies and path ids', async () => {
    await run(
      fc.oneof(
        bodyOf({ name: text() }).map((body): Call => ({ method: 'post', path: '/api/groups', body, as: 'alice' })),
        bodyOf({ group_id: idLike(), user_id: idLike(), group_name: text() }).map((body): Call => ({ method: 'post', path: '/api/groups/invite', body, as: 'alice' })),
        fc.tuple(segment(), fc.constantFrom('accept', 'decline', 'leave', 'members')).map(
          ([id, action]): Call => ({ method: action === 'members' ? 'get' : 'post', path: `/api/groups/${id}/${action}`, as: 'alice' }),
        ),
      ),
      200,
    );
  });

  it('messages: random sends and history queries (user/group/limit/offset/before)', async () => {
    const pageNames = ['limit', 'offset', 'before'];
    await run(
      fc.oneof(
        bodyOf({ to: idLike(), content: text(), client_id: text() }).map((body): Call => ({ method: 'post', path: '/api/messages/private', body, as: 'alice' })),
        bodyOf({ group_id: idLike(), content: text(), client_id: text() }).map((body): Call => ({ method: 'post', path: '/api/messages/group', body, as: 'alice' })),
        query(['user', ...pageNames]).map((q): Call => ({ method: 'get', path: `/api/messages/private${q}`, as: 'alice' })),
        query(['group', ...pageNames]).map((q): Call => ({ method: 'get', path: `/api/messages/group${q}`, as: 'alice' })),
      ),
      250,
    );
  });

  it('notifications, broadcast, conversations and online: random bodies and queries', async () => {
    await run(
      fc.oneof(
        query(['limit', 'offset']).map((q): Call => ({ method: 'get', path: `/api/notifications${q}`, as: 'alice' })),
        bodyOf({ ids: fc.oneof(fc.array(idLike(), { maxLength: 5 }), idLike(), fc.array(fc.nat(), { minLength: 1001, maxLength: 1001 })) }).map(
          (body): Call => ({ method: 'post', path: '/api/notifications/read', body, as: 'alice' }),
        ),
        fc.tuple(bodyOf({ content: text() }), fc.constantFrom<'alice' | 'admin'>('alice', 'admin')).map(
          ([body, as]): Call => ({ method: 'post', path: '/api/broadcast', body, as }),
        ),
        query(['limit', 'offset', 'user']).map((q): Call => ({ method: 'get', path: `/api/conversations${q}`, as: 'alice' })),
        query(['limit']).map((q): Call => ({ method: 'get', path: `/api/users/online${q}`, as: 'alice' })),
      ),
      150,
    );
  });

  it('random cookies and Authorization headers are a 401 (or a valid identity), never a 5xx', async () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
    const headers = fc.oneof(
      printable.map((v) => ({ cookie: `parlor.sid=${v}` })),
      printable.map((v) => ({ cookie: v })),
      printable.map((v) => ({ authorization: `Bearer ${v}` })),
      printable.map((v) => ({ authorization: v })),
      fc.constantFrom<Record<string, string>>(
        { authorization: 'Bearer a.b.c' },
        { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.' },
        { cookie: 'parlor.sid=s%3A' },
        { cookie: `parlor.sid=${'%'.repeat(100)}` },
      ),
    );
    await run(
      fc.tuple(headers, fc.constantFrom('/api/auth/me', '/api/groups', '/api/notifications', '/api/auth/logout')).map(
        ([h, path]): Call => ({ method: path.endsWith('logout') ? 'post' : 'get', path, headers: h }),
      ),
      100,
    );
  });

  it('keeps serving after the fuzzing', async () => {
    await expectServing(server);
  });
});
