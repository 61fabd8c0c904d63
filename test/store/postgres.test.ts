/**
 * The PostgreSQL store: the shared contract (test/store/store-contract.ts)
 * unchanged, then what only PostgreSQL has: migrations raced by several
 * instances, idempotent saves raced across transactions, commit order = id
 * order across instances, and outages (through a TCP proxy; the real
 * server is never stopped). Every suite works in a fresh schema, dropped after.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionData } from 'express-session';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isParlorError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { openStores } from '../../src/store/open-stores.js';
import { CONVERSATIONS_QUERY } from '../../src/store/postgres/conversation-store.js';
import {
  DEFAULT_MIGRATIONS_DIR,
  MESSAGE_LOCK_SQL,
  openPostgresStores,
  type PostgresStores,
  type PostgresStoresOptions,
} from '../../src/store/postgres/index.js';
import { MESSAGE_QUERIES, insertMessage } from '../../src/store/postgres/message-store.js';
import { adminQuery, dropSchema, freshSchema } from '../support/postgres.js';
import { describeWithPostgres } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { runStoreContract } from './store-contract.js';

const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

function fakeLogger(): Logger & { info: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn> } {
  return { info: vi.fn(), warn: vi.fn(), debug: vi.fn(), error: vi.fn() } as never;
}

/** Fresh schemas and the stores opened in them, closed and dropped after each test. */
function useSchemas(url: string) {
  const schemas = new Set<string>();
  const opened: PostgresStores[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
    for (const s of schemas) await dropSchema(url, s);
    schemas.clear();
  });
  return {
    schema() {
      const s = freshSchema();
      schemas.add(s);
      return s;
    },
    async open(options: Partial<PostgresStoresOptions> & { schema: string }): Promise<PostgresStores> {
      schemas.add(options.schema);
      const stores = await openPostgresStores({ connectionString: url, sessionPruneIntervalMs: 0, ...options });
      opened.push(stores);
      return stores;
    },
  };
}

const count = async (stores: PostgresStores, sql: string, values?: unknown[]) =>
  (await stores.db.rows<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, values))[0]!.n;

await describeWithPostgres('postgres store', (url) => {
  runStoreContract('postgres', async () => {
    const schema = freshSchema();
    const stores = await openPostgresStores({ connectionString: url, schema, sessionPruneIntervalMs: 0 });
    return {
      stores,
      async cleanup() {
        await stores.close();
        await dropSchema(url, schema);
      },
    };
  });

  describe('postgres: opening', () => {
    const db = useSchemas(url);

    it('creates the schema, puts every table in it, and describes itself without credentials', async () => {
      const schema = db.schema();
      const withSecret = new URL(url);
      withSecret.username = withSecret.username || 'postgres';
      withSecret.password = 'not-a-real-password-but-secret';
      // trust auth ignores the password: the point is that it never shows.
      const stores = await db.open({ schema, connectionString: withSecret.toString() });
      expect(stores.description).toBe(`postgres://${withSecret.hostname}:${withSecret.port || 5432}${withSecret.pathname}`);
      expect(stores.description).not.toContain('secret');
      expect(stores.description).not.toContain('@');
      const tables = await adminQuery<{ t: string }>(url, 'SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema]);
      expect(tables.map((r) => r.t)).toEqual(
        ['group_members', 'groups', 'messages', 'notifications', 'private_peers', 'read_markers', 'schema_migrations', 'session', 'users'].sort(),
      );
    });

    it('openStores picks PostgreSQL for a DATABASE_URL (pg imported on demand)', async () => {
      const schema = db.schema();
      const stores = await openStores({ sqlitePath: '/nonexistent/never-used.db', databaseUrl: url, databaseSchema: schema, logger: fakeLogger() });
      try {
        expect(stores.description).toMatch(/^postgres:\/\//);
        await stores.ping();
      } finally {
        await stores.close();
      }
    });

    it('refuses a schema name that is not a plain lowercase identifier', async () => {
      for (const bad of ['Public', 'a-b', 'x; DROP TABLE users', '1abc', '']) {
        await expect(openPostgresStores({ connectionString: url, schema: bad })).rejects.toThrow(/schema must be/);
      }
    });

    it('enforces foreign keys and the one-target check in the schema itself', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const g = await stores.groups.createGroup(a.id, 'g');
      const insert = (from: number, to: number | null, group: number | null) =>
        stores.db.query('INSERT INTO messages (sender_id, recipient_id, group_id, content) VALUES ($1, $2, $3, $4)', [from, to, group, 'x']);
      await expect(insert(999_999, a.id, null)).rejects.toMatchObject({ code: '23503' });
      await expect(insert(a.id, a.id, g.id)).rejects.toMatchObject({ code: '23514' });
      await expect(insert(a.id, null, null)).rejects.toMatchObject({ code: '23514' });
      await expect(stores.db.query(`UPDATE group_members SET status = 'owner'`)).rejects.toMatchObject({ code: '23514' });
    });

    it('never reuses a message id, even after the newest row is deleted and the store reopened', async () => {
      const schema = db.schema();
      const first = await db.open({ schema });
      const a = await first.users.createUser('alice', 'h');
      const one = await first.messages.savePrivate({ from: a.id, to: a.id, content: '1' });
      await first.db.query('DELETE FROM messages WHERE id = $1', [one.message.id]);
      await first.close();
      const again = await db.open({ schema });
      const two = await again.messages.savePrivate({ from: a.id, to: a.id, content: '2' });
      expect(two.message.id).toBeGreaterThan(one.message.id);
    });

    it('every read path can be an index scan on the messages table (seq scans disabled to ask the planner)', async () => {
      const stores = await db.open({ schema: db.schema() });
      const plan = (sql: string, values: unknown[]) =>
        stores.db.transaction(async (client) => {
          await client.query('SET LOCAL enable_seqscan = off');
          const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values)).rows;
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        });
      const cases: Array<[string, string, unknown[], RegExp]> = [
        ['privateHistory', MESSAGE_QUERIES.privateHistory, [1, 2, 100, 11, 0], /messages_private_pair/],
        ['groupHistory', MESSAGE_QUERIES.groupHistory, [1, 100, 11, 0], /messages_group/],
        ['since', MESSAGE_QUERIES.since, [1, 0, 10], /messages_inbox[\s\S]*messages_outbox[\s\S]*messages_group/],
        ['byClientId', MESSAGE_QUERIES.byClientId, [1, 'c'], /messages_client_id/],
        ['conversations', CONVERSATIONS_QUERY, [1], /messages_private_pair[\s\S]*messages_group/],
      ];
      for (const [name, sql, values, index] of cases) {
        const detail = await plan(sql, values);
        expect(detail, name).toMatch(index);
        expect(detail, name).not.toMatch(/Seq Scan on messages/);
      }
    });
  });

  describe('postgres: migrations', () => {
    const db = useSchemas(url);
    const applied = async (schema: string) =>
      adminQuery<{ name: string; applied_at: number }>(url, `SELECT name, applied_at::text FROM ${schema}.schema_migrations ORDER BY name`);

    it('two instances opening a fresh schema at once: each migration applied exactly once, both stores work', async () => {
      const schema = db.schema();
      const loggers = [fakeLogger(), fakeLogger(), fakeLogger()];
      const stores = await Promise.all(loggers.map((logger) => db.open({ schema, logger })));
      expect((await applied(schema)).map((r) => r.name)).toEqual(migrationFiles);
      const applications = loggers.flatMap((l) => l.info.mock.calls.filter((c) => c[1] === 'applied PostgreSQL migration'));
      expect(applications.map((c) => c[0].migration).sort()).toEqual(migrationFiles);
      const a = await stores[0]!.users.createUser('alice', 'h');
      expect((await stores[1]!.users.findByUsername('ALICE'))?.id).toBe(a.id);
    });

    it('opening again applies nothing and changes no record', async () => {
      const schema = db.schema();
      await (await db.open({ schema })).close();
      const first = await applied(schema);
      const logger = fakeLogger();
      await db.open({ schema, logger });
      expect(await applied(schema)).toEqual(first);
      expect(logger.info.mock.calls.filter((c) => c[1] === 'applied PostgreSQL migration')).toEqual([]);
    });

    it('a new migration is applied on the next open; a failing one leaves no trace and is retried', async () => {
      const schema = db.schema();
      const dir = mkdtempSync(join(tmpdir(), 'parlor-pg-migrations-'));
      try {
        for (const f of migrationFiles) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));
        const first = await db.open({ schema, migrationsDir: dir });
        await first.users.createUser('kept', 'h');
        await first.close();

        writeFileSync(join(dir, '900_broken.sql'), 'CREATE TABLE half (x int); INSERT INTO no_such_table VALUES (1);');
        await expect(openPostgresStores({ connectionString: url, schema, migrationsDir: dir })).rejects.toThrow(/900_broken\.sql/);
        expect((await applied(schema)).map((r) => r.name)).toEqual(migrationFiles);
        expect(await adminQuery(url, `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'half'`, [schema])).toEqual([]);

        writeFileSync(join(dir, '900_broken.sql'), 'CREATE TABLE half (x int); INSERT INTO half VALUES (1);');
        const again = await db.open({ schema, migrationsDir: dir });
        expect(await count(again, 'half')).toBe(1);
        expect((await again.users.findByUsername('kept'))?.username).toBe('kept');
        expect((await applied(schema)).map((r) => r.name)).toEqual([...migrationFiles, '900_broken.sql']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a migration of one schema does not wait for another schema (the lock is per schema)', async () => {
      const busy = db.schema();
      await db.open({ schema: busy });
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT pg_advisory_xact_lock(hashtext('parlor:migrate'), hashtext($1))`, [busy]);
        // The other schema opens while `busy`'s migration lock is held...
        const other = await db.open({ schema: db.schema() });
        await other.ping();
        // ...while opening `busy` itself waits for the lock.
        let opened = false;
        const waiting = db.open({ schema: busy }).then((s) => ((opened = true), s));
        await new Promise((r) => setTimeout(r, 300));
        expect(opened).toBe(false);
        await holder.query('COMMIT');
        await waiting;
        expect(opened).toBe(true);
      } finally {
        await holder.end();
      }
    });
  });

  describe('postgres: idempotent saves under concurrency', () => {
    const db = useSchemas(url);

    it('two instances saving the same client_id at once store one row and answer the same id', async () => {
      const schema = db.schema();
      const [one, two] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const a = await one!.users.createUser('alice', 'h');
      const b = await one!.users.createUser('bob', 'h');
      for (let round = 0; round < 10; round++) {
        const clientId = `race-${round}`;
        const [x, y] = await Promise.all([
          one!.messages.savePrivate({ from: a.id, to: b.id, content: `one ${round}`, clientId }),
          two!.messages.savePrivate({ from: a.id, to: b.id, content: `two ${round}`, clientId }),
        ]);
        expect(x.message).toEqual(y.message);
        expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
        expect(await count(one!, 'messages WHERE sender_id = $1 AND client_id = $2', [a.id, clientId])).toBe(1);
      }
    });

    it('ON CONFLICT: a second transaction inserting the same client_id waits for the first, then returns its row', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const a = await stores.users.createUser('alice', 'h');
      const first = await stores.db.pool.connect();
      const second = await stores.db.pool.connect();
      try {
        await first.query('BEGIN');
        await second.query('BEGIN');
        const input = { from: a.id, to: a.id, group: null, clientId: 'raced' };
        const mine = await insertMessage(first, { ...input, content: 'first' });
        let settled = false;
        const theirs = insertMessage(second, { ...input, content: 'second' }).finally(() => (settled = true));
        await new Promise((r) => setTimeout(r, 200));
        expect(settled).toBe(false); // blocked on the uncommitted unique index entry
        await first.query('COMMIT');
        const got = await theirs;
        await second.query('COMMIT');
        expect(mine.duplicate).toBe(false);
        expect(got).toEqual({ row: mine.row, duplicate: true });
        expect(await count(stores, `messages WHERE client_id = 'raced'`)).toBe(1);
      } finally {
        first.release();
        second.release();
      }
    });

    it('the first transaction rolling back lets the waiting one insert its own row', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const first = await stores.db.pool.connect();
      const second = await stores.db.pool.connect();
      try {
        await first.query('BEGIN');
        await second.query('BEGIN');
        const input = { from: a.id, to: a.id, group: null, clientId: 'undone' };
        await insertMessage(first, { ...input, content: 'first' });
        const theirs = insertMessage(second, { ...input, content: 'second' });
        await new Promise((r) => setTimeout(r, 100));
        await first.query('ROLLBACK');
        const got = await theirs;
        await second.query('COMMIT');
        expect(got.duplicate).toBe(false);
        expect(got.row.content).toBe('second');
      } finally {
        first.release();
        second.release();
      }
    });
  });

  describe('postgres: message ids commit in id order', () => {
    const db = useSchemas(url);

    it('a message insert waits for the message lock another transaction holds', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const a = await stores.users.createUser('alice', 'h');
      const holder = await stores.db.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(MESSAGE_LOCK_SQL);
        let saved = false;
        const pending = Promise.resolve(stores.messages.savePrivate({ from: a.id, to: a.id, content: 'x' })).then((s) => ((saved = true), s));
        await new Promise((r) => setTimeout(r, 200));
        expect(saved).toBe(false);
        await holder.query('COMMIT');
        expect((await pending).duplicate).toBe(false);
      } finally {
        holder.release();
      }
    });

    it('a sync cursor following two writing instances never skips a message', async () => {
      const schema = db.schema();
      const [one, two] = await Promise.all([db.open({ schema }), db.open({ schema })]);
      const a = await one!.users.createUser('alice', 'h');
      const b = await one!.users.createUser('bob', 'h');
      const total = 150;
      const seen: number[] = [];
      let writing = true;
      const reader = (async () => {
        let cursor = 0;
        while (writing || seen.length < total) {
          const page = await one!.messages.messagesSince(b.id, cursor, 50);
          for (const m of page) seen.push(m.id);
          if (page.length > 0) cursor = page[page.length - 1]!.id;
          else if (!writing) break;
        }
      })();
      const writes = [];
      for (let i = 0; i < total; i++) {
        const stores = i % 2 === 0 ? one! : two!;
        writes.push(stores.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` }));
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
      const saved = await Promise.all(writes);
      writing = false;
      await reader;
      expect(seen).toEqual(saved.map((s) => s.message.id).sort((x, y) => x - y));
    });

    it('same-tick writes share one transaction; one bad write fails alone', async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const before = { ...stores.messageQueue.stats };
      const results = await Promise.allSettled([
        stores.messages.savePrivate({ from: a.id, to: a.id, content: 'one' }),
        stores.messages.savePrivate({ from: a.id, to: 2_000_000_000, content: 'lost' }),
        stores.messages.savePrivate({ from: a.id, to: a.id, content: 'bad \u0000 byte' }),
        stores.messages.savePrivate({ from: a.id, to: a.id, content: 'two' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'ParlorError', code: 'not_found' });
      // PostgreSQL text cannot hold U+0000: the sender's error (bad_request), not `internal`, so no resend loop.
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'ParlorError', code: 'bad_request' });
      expect(stores.messageQueue.stats.batches - before.batches).toBe(1);
      expect(stores.messageQueue.stats.largestBatch).toBeGreaterThanOrEqual(4);
      expect((await stores.messages.privateHistory(a.id, a.id, { limit: 10 })).items.map((m) => m.content)).toEqual(['two', 'one']);
    });
  });

  it('a NUL character anywhere is bad_request, not internal', async () => {
    const schema = freshSchema();
    const stores = await openPostgresStores({ connectionString: url, schema, sessionPruneIntervalMs: 0 });
    try {
      const a = await stores.users.createUser('alice', 'h');
      const bad = expect.objectContaining({ name: 'ParlorError', code: 'bad_request' });
      await expect(stores.groups.createGroup(a.id, 'nul\u0000name')).rejects.toEqual(bad);
      await expect(stores.messages.saveNotification(a.id, 'kind', 'text', { x: 'nul\u0000' })).rejects.toEqual(bad);
      await expect(stores.messages.saveNotification(a.id, 'kind', 'nul\u0000')).rejects.toEqual(bad);
      await expect(stores.messages.savePrivate({ from: a.id, to: a.id, content: '\u0000' })).rejects.toEqual(bad);
      expect(await stores.groups.groupsOf(a.id)).toEqual([]);
    } finally {
      await stores.close();
      await dropSchema(url, schema);
    }
  });

  describe('postgres: close and sessions', () => {
    const db = useSchemas(url);

    it('close() commits the writes still queued, then refuses new ones and ends the pool', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const a = await stores.users.createUser('alice', 'h');
      const pending = [1, 2, 3].map((i) => stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${i}` }));
      const session = new Promise<void>((resolve, reject) =>
        stores.sessions.set('closing', { cookie: { maxAge: 60_000 } } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
      );
      expect(stores.messageQueue.size).toBe(3);
      await stores.close();
      expect((await Promise.all(pending)).map((s) => s.duplicate)).toEqual([false, false, false]);
      await session;
      expect(stores.db.pool.totalCount).toBe(0);
      await expect(stores.messages.savePrivate({ from: a.id, to: a.id, content: 'late' })).rejects.toThrow(/closed/);
      await expect(stores.ping()).rejects.toThrow(/closed/);
      await stores.close();

      const again = await db.open({ schema });
      expect((await again.messages.privateHistory(a.id, a.id, { limit: 10 })).items.map((m) => m.content)).toEqual(['m3', 'm2', 'm1']);
      expect(await count(again, `session WHERE sid = 'closing'`)).toBe(1);
    });

    it('sessions live in the schema\'s connect-pg-simple table; expired rows are pruned', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const set = (sid: string, cookie: object) =>
        new Promise<void>((resolve, reject) =>
          stores.sessions.set(sid, { cookie, userId: 7 } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
        );
      await set('live', { maxAge: 60_000 });
      await set('old', { expires: new Date(Date.now() - 5000).toISOString() });
      const rows = await adminQuery<{ sid: string; sess: { userId: number }; expire: Date }>(
        url,
        `SELECT sid, sess, expire FROM ${schema}."session" ORDER BY sid`,
      );
      expect(rows.map((r) => [r.sid, r.sess.userId])).toEqual([
        ['live', 7],
        ['old', 7],
      ]);
      await new Promise<void>((resolve, reject) => stores.sessions.pruneSessions((err) => (err ? reject(err) : resolve())));
      expect((await adminQuery<{ sid: string }>(url, `SELECT sid FROM ${schema}."session"`)).map((r) => r.sid)).toEqual(['live']);
    });
  });

  describe('postgres: outages (through a TCP proxy; the server itself keeps running)', () => {
    const db = useSchemas(url);
    let proxy: TcpProxy;
    const target = new URL(url);
    beforeAll(async () => {
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    });
    afterEach(async () => {
      await proxy.restore();
    });
    afterAll(async () => {
      await proxy.close();
    });

    /** A store through the proxy with short bounds, and a direct one on the same schema to look at the data. */
    async function openPair() {
      const schema = db.schema();
      const direct = await db.open({ schema });
      const proxied = await db.open({ schema, connectionString: proxy.via(url), connectionTimeoutMs: 500, queryTimeoutMs: 1000 });
      const a = await proxied.users.createUser(`alice_${Math.random().toString(36).slice(2, 8)}`, 'h');
      return { direct, proxied, a };
    }

    async function expectBoundedFailure(work: () => unknown, withinMs: number): Promise<unknown> {
      const started = Date.now();
      let caught: unknown;
      try {
        await work();
      } catch (err) {
        caught = err;
      }
      expect(caught, 'expected a rejection').toBeInstanceOf(Error);
      expect(isParlorError(caught)).toBe(false); // the Manager turns it into `internal`
      expect(Date.now() - started).toBeLessThan(withinMs);
      return caught;
    }

    it('server unreachable: writes and ping reject at once, nothing half-stored; back: the same client_id stores once', async () => {
      const { direct, proxied, a } = await openPair();
      await proxied.ping();
      expect(proxy.accepted).toBeGreaterThan(0); // really through the proxy

      await proxy.cut();
      await expectBoundedFailure(() => proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'lost?', clientId: 'c-out' }), 3000);
      await expectBoundedFailure(() => proxied.groups.createGroup(a.id, 'half'), 3000);
      await expectBoundedFailure(() => proxied.ping(), 3000);
      await expectBoundedFailure(
        () => new Promise<void>((resolve, reject) => proxied.sessions.get('x', (err) => (err ? reject(err) : resolve()))),
        3000,
      );
      expect(await count(direct, `messages WHERE client_id = 'c-out'`)).toBe(0);
      expect(await count(direct, `groups WHERE name = 'half'`)).toBe(0);
      expect(await count(direct, 'group_members WHERE user_id = $1', [a.id])).toBe(0);

      await proxy.restore();
      await proxied.ping();
      const saved = await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'retried', clientId: 'c-out' });
      expect(saved.duplicate).toBe(false);
      expect(await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'again', clientId: 'c-out' })).toEqual({ ...saved, duplicate: true });
      expect(await count(direct, `messages WHERE client_id = 'c-out'`)).toBe(1);
      expect((await proxied.groups.createGroup(a.id, 'whole')).owner_id).toBe(a.id);
    });

    it('an instance cut off while holding the message lock blocks the others only until the server ends its transaction', async () => {
      const { direct, proxied, a } = await openPair();
      // A connection of the proxied store's own pool (its settings), frozen inside a message transaction.
      const frozen = await proxied.db.pool.connect();
      frozen.on('error', () => {});
      try {
        await frozen.query('BEGIN');
        await frozen.query(MESSAGE_LOCK_SQL);
        proxy.stall();
        const started = Date.now();
        // Waits for the lock until the server ends the idle transaction (idle_in_transaction_session_timeout = 1 s here).
        const saved = await direct.messages.savePrivate({ from: a.id, to: a.id, content: 'not blocked for long' });
        expect(saved.duplicate).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual(500);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        frozen.release(new Error('discarded')); // destroyed, never pooled again
      }
    });

    it('server silent (a partition): the connect and query timeouts bound every call; back: writes work again', async () => {
      const { direct, proxied, a } = await openPair();
      await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'warm the pool' });

      proxy.stall();
      // A pooled connection that no longer answers (query timeout 1 s) and a new one that never
      // completes its handshake (connect timeout 0.5 s): either way, well under 5 s.
      await Promise.all([
        expectBoundedFailure(() => proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'stalled', clientId: 'c-stall' }), 5000),
        expectBoundedFailure(() => proxied.messages.markRead(a.id, 1), 5000),
        expectBoundedFailure(() => proxied.ping(), 5000),
      ]);
      expect(await count(direct, `messages WHERE client_id = 'c-stall'`)).toBe(0);

      await proxy.restore();
      await vi.waitFor(() => proxied.ping(), { timeout: 5000, interval: 100 });
      const saved = await proxied.messages.savePrivate({ from: a.id, to: a.id, content: 'after', clientId: 'c-stall' });
      expect(saved.duplicate).toBe(false);
      expect(await count(direct, `messages WHERE client_id = 'c-stall'`)).toBe(1);
    });
  });
});
