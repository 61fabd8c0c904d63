/**
 * A describe block run against a real server on each bundled store: SQLite,
 * then PostgreSQL in a fresh schema (dropped afterwards; skipped with its
 * reason when PostgreSQL is absent, unless REQUIRE_SERVICES=1).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { dropSchema, freshSchema } from './postgres.js';
import { closeAll, startTestServer, type TestServer } from './server.js';
import { DATABASE_URL, describeWithPostgres } from './services.js';

/** The server of the running block, set before its tests run. */
export interface OnStore {
  server: TestServer;
}

export async function describeOnEveryStore(name: string, tests: (on: OnStore) => void): Promise<void> {
  block(`${name} (sqlite)`, () => ({}), tests);
  const schema = freshSchema('every');
  await describeWithPostgres('postgres', () => {
    block(`${name} (postgres)`, () => ({ DATABASE_URL, DATABASE_SCHEMA: schema }), tests, () => dropSchema(DATABASE_URL, schema));
  });
}

function block(name: string, env: () => Record<string, string>, tests: (on: OnStore) => void, cleanup: () => Promise<void> = async () => {}): void {
  describe(name, () => {
    const on = {} as OnStore;
    beforeAll(async () => {
      on.server = await startTestServer(env());
    });
    afterAll(async () => {
      await closeAll();
      await cleanup();
    });
    tests(on);
  });
}
