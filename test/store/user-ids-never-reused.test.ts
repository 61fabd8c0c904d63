/**
 * An account id is never handed out again, on either store: register's undo
 * deletes the newest account (src/http/auth-routes.ts), and a session or token
 * that account obtained meanwhile still names its id, so the next account must
 * get another (SQLite: users.id AUTOINCREMENT, db/sqlite/010_user_ids_never_reused.sql;
 * PostgreSQL: an identity column).
 */
import { describe, expect, it } from 'vitest';
import type { UserStore } from '../../src/store/types.js';
import { freshPostgresStores } from '../support/postgres-stores.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';
import { describeWithPostgres } from '../support/services.js';

function userIdsSuite(name: string, open: () => Promise<{ stores: { users: UserStore }; cleanup(): Promise<void> }>) {
  describe(`${name}: user ids`, () => {
    it('the id of a deleted newest account is not given to the next one', async () => {
      const { stores, cleanup } = await open();
      try {
        const first = await stores.users.createUser('first', 'h');
        const undone = await stores.users.createUser('undone', 'h');
        expect(undone.id).toBeGreaterThan(first.id);
        await stores.users.deleteUser(undone.id);
        const next = await stores.users.createUser('next', 'h');
        expect(next.id).toBeGreaterThan(undone.id);
        expect(await stores.users.findById(undone.id)).toBeNull();
      } finally {
        await cleanup();
      }
    });
  });
}

userIdsSuite('sqlite', () => freshSqliteStores('parlor-user-ids'));
await describeWithPostgres('postgres store', (url) => userIdsSuite('postgres', () => freshPostgresStores(url)));
