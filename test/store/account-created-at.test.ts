/**
 * UserStore.findAccount on both stores: the account without its secret and when it was created, in Unix ms
 * (SQLite: the store's clock; PostgreSQL: parlor_now_ms(), the database's). TokenService refuses a token issued
 * before that second (src/auth/token-service.ts), so a unit mix-up (seconds, or a bigint as a string) would
 * refuse every token or none.
 */
import { describe, expect, it } from 'vitest';
import { TokenService, tokenKey } from '../../src/auth/token-service.js';
import type { TokenVersionStore, UserStore } from '../../src/store/types.js';
import { freshPostgresStores } from '../support/postgres-stores.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';
import { describeWithPostgres } from '../support/services.js';

type Stores = { users: UserStore; tokenVersions: TokenVersionStore };

function accountSuite(name: string, open: () => Promise<{ stores: Stores; cleanup(): Promise<void> }>) {
  describe(`${name}: findAccount`, () => {
    it('gives the account with its creation time in ms, null for an unknown id; a token issued right after registering works', async () => {
      const { stores, cleanup } = await open();
      try {
        const alice = await stores.users.createUser('Alice', 'secret-hash');
        const account = await stores.users.findAccount(alice.id);
        expect(account).toEqual({ id: alice.id, username: 'Alice', createdAt: expect.any(Number) });
        // Milliseconds of this era, not seconds: within a minute of this process's clock (the database's may differ a little).
        expect(Math.abs(account!.createdAt - Date.now())).toBeLessThan(60_000);
        expect(await stores.users.findAccount(alice.id + 1000)).toBeNull();

        const tokens = new TokenService({ key: tokenKey('a session secret for this test only'), audience: '/ws' }, stores.tokenVersions, stores.users, undefined);
        expect(await tokens.verify((await tokens.issue(alice.id)).token)).toMatchObject({ userId: alice.id, username: 'Alice' });
      } finally {
        await cleanup();
      }
    });
  });
}

accountSuite('sqlite', () => freshSqliteStores('parlor-account-created-at'));
await describeWithPostgres('postgres store', (url) => accountSuite('postgres', () => freshPostgresStores(url)));
