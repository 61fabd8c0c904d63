/**
 * PostgreSQL migrations: raced by several instances, applied once, retried
 * after a failure that leaves no trace, locked per schema. Every test works
 * in a fresh schema, dropped after.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, openPostgresStores } from '../../src/store/postgres/index.js';
import { adminQuery } from '../support/postgres.js';
import { count, fakeLogger, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

const migrationFiles = readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();

await describeWithPostgres('postgres store', (url) => {
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
});
