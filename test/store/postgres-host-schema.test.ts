/**
 * Parlor inside a host's PostgreSQL database (contract section 4, "its own
 * PostgreSQL schema"): its tables in a schema of their own (`parlor` unless
 * told otherwise), the host's `users` and `session` tables never read,
 * created or altered, and a failed migration leaving nothing behind. The
 * host's "public" is a fresh schema of its own (the connection's
 * search_path), so the shared server's real `public` is never touched.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA, PgDatabase, openPostgresStores } from '../../src/store/postgres/index.js';
import { adminQuery, freshSchema } from '../support/postgres.js';
import { useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

/** The host's connection string: its own schema first in the search_path, as a host app would configure it. */
function hostUrl(url: string, hostSchema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${hostSchema}`);
  return u.toString();
}

/** Every column and every row of a table, to compare before and after. */
async function snapshot(url: string, schema: string, table: string) {
  const columns = await adminQuery(
    url,
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  const rows = await adminQuery(url, `SELECT * FROM ${schema}.${table} ORDER BY 1`);
  return { columns, rows };
}

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: a schema of its own, apart from the host', () => {
    const db = useSchemas(url);

    it(`without a schema option every connection uses the schema ${DEFAULT_SCHEMA}, never the server's search_path`, async () => {
      const host = db.schema();
      await adminQuery(url, `CREATE SCHEMA ${host}`);
      // Only a connection is opened (no store, no migration): nothing is created in the shared database.
      const pgdb = new PgDatabase({ connectionString: hostUrl(url, host) });
      try {
        expect(DEFAULT_SCHEMA).toBe('parlor');
        expect(pgdb.schema).toBe('parlor');
        expect((await pgdb.rows<{ search_path: string }>('SHOW search_path'))[0]!.search_path).toBe('parlor');
      } finally {
        await pgdb.close();
      }
    });

    it("leaves the host's users and session tables untouched: same columns, same rows, nothing added next to them", async () => {
      const host = db.schema();
      await adminQuery(url, `CREATE SCHEMA ${host}`);
      await adminQuery(url, `CREATE TABLE ${host}.users (id bigint PRIMARY KEY, email text NOT NULL, name text)`);
      await adminQuery(url, `INSERT INTO ${host}.users VALUES (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', NULL)`);
      await adminQuery(url, `CREATE TABLE ${host}.session (sid varchar PRIMARY KEY, sess json NOT NULL, expire timestamp NOT NULL)`);
      await adminQuery(url, `INSERT INTO ${host}.session VALUES ('host-sid', '{"userId": 1}', now() + interval '1 day')`);
      const before = { users: await snapshot(url, host, 'users'), session: await snapshot(url, host, 'session') };

      const schema = db.schema();
      const stores = await db.open({ schema, connectionString: hostUrl(url, host) });
      // Parlor writes its accounts, messages between the host's ids, notifications and sessions.
      const own = await stores.users.createUser('ada', 'h');
      await stores.messages.savePrivate({ from: 1, to: 2, content: 'between host users' });
      await stores.messages.saveNotification(2, 'system', 'hi');
      await new Promise<void>((resolve, reject) =>
        stores.sessions.set('parlor-sid', { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } } as never, (err) =>
          err ? reject(err) : resolve(),
        ),
      );

      expect({ users: await snapshot(url, host, 'users'), session: await snapshot(url, host, 'session') }).toEqual(before);
      const hostTables = await adminQuery<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [host]);
      expect(hostTables.map((r) => r.t)).toEqual(['session', 'users']);
      const hostFunctions = await adminQuery(url, `SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`, [host]);
      expect(hostFunctions).toEqual([]);
      // Parlor's rows are in Parlor's schema.
      expect(await adminQuery(url, `SELECT id FROM ${schema}.users`)).toEqual([{ id: String(own.id) }]);
      expect(await adminQuery(url, `SELECT sid FROM ${schema}.session`)).toEqual([{ sid: 'parlor-sid' }]);
    });

    it('a failing migration leaves nothing behind: no schema, no empty schema_migrations, no table of the migrations before it', async () => {
      const schema = freshSchema();
      const dir = mkdtempSync(join(tmpdir(), 'parlor-pg-migrations-'));
      try {
        for (const f of migrationFiles) copyFileSync(new URL(f, DEFAULT_MIGRATIONS_DIR), join(dir, f));
        writeFileSync(join(dir, '900_broken.sql'), 'CREATE TABLE half (x int); INSERT INTO no_such_table VALUES (1);');
        await expect(openPostgresStores({ connectionString: url, schema, migrationsDir: dir })).rejects.toThrow(/900_broken\.sql/);
        expect(await adminQuery(url, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
        // Fixed, it applies from scratch.
        writeFileSync(join(dir, '900_broken.sql'), 'CREATE TABLE half (x int);');
        const stores = await db.open({ schema, migrationsDir: dir });
        await stores.ping();
        const applied = await adminQuery<{ name: string }>(url, `SELECT name FROM ${schema}.schema_migrations ORDER BY name`);
        expect(applied.map((r) => r.name)).toEqual([...migrationFiles, '900_broken.sql']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
