/**
 * The PostgreSQL store when it opens: its schema, tables, constraints, ids
 * and indexes, and the NUL character PostgreSQL text cannot hold. Every test
 * works in a fresh schema, dropped after.
 */
import { describe, expect, it } from 'vitest';
import { openStores } from '../../src/store/open-stores.js';
import { CONVERSATIONS_QUERY } from '../../src/store/postgres/conversation-store.js';
import { openPostgresStores } from '../../src/store/postgres/index.js';
import { MESSAGE_QUERIES } from '../../src/store/postgres/message-store.js';
import { adminQuery, dropSchema, freshSchema } from '../support/postgres.js';
import { fakeLogger, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
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
        ['group_members', 'groups', 'messages', 'notifications', 'private_peers', 'private_writers', 'read_markers', 'schema_migrations', 'session', 'token_versions', 'user_blocks', 'users'].sort(),
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

    it("enforces the one-target check in the schema itself; user and group ids reference nothing (they may be a host's)", async () => {
      const stores = await db.open({ schema: db.schema() });
      const a = await stores.users.createUser('alice', 'h');
      const g = await stores.groups.createGroup(a.id, 'g');
      const insert = (from: number, to: number | null, group: number | null) =>
        stores.db.query('INSERT INTO messages (sender_id, recipient_id, group_id, content) VALUES ($1, $2, $3, $4)', [from, to, group, 'x']);
      await expect(insert(a.id, null, 999_999)).resolves.toMatchObject({ rowCount: 1 });
      await expect(insert(999_999, 999_998, null)).resolves.toMatchObject({ rowCount: 1 });
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
        ['since', MESSAGE_QUERIES.since, [1, 0, 10, 100, [7, 8]], /messages_inbox[\s\S]*messages_outbox[\s\S]*messages_group/],
        ['conversations', CONVERSATIONS_QUERY, [1, [7, 8]], /messages_private_pair[\s\S]*messages_group/],
      ];
      for (const [name, sql, values, index] of cases) {
        const detail = await plan(sql, values);
        expect(detail, name).toMatch(index);
        expect(detail, name).not.toMatch(/Seq Scan on messages/);
      }
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
});
