/**
 * The one behaviour suite every backend must pass (express-session style:
 * one contract, several stores). It talks to the stores through the
 * interfaces of src/store/types.ts only and always awaits, so the synchronous
 * SQLite store and an async PostgreSQL store run it unchanged:
 *
 *   runStoreContract('postgres', async () => ({ stores, cleanup: () => stores.close() }));
 *
 * The stores are opened once per suite; every test creates its own users, so
 * it never depends on rows another test left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/store/types.js';
import type { ContractContext } from './contract/context.js';
import { groupContract } from './contract/groups.js';
import { messageContract } from './contract/messages.js';
import { notificationContract } from './contract/notifications.js';
import { readStateContract } from './contract/read-state.js';
import { sessionContract } from './contract/sessions.js';
import { syncContract } from './contract/sync.js';
import { userContract } from './contract/users.js';

export interface OpenedStores {
  stores: Stores;
  cleanup(): Promise<void>;
}

export function runStoreContract(name: string, open: () => Promise<OpenedStores>): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStores | undefined;
    const run = Math.random().toString(36).slice(2, 8);
    let seq = 0;

    const ctx: ContractContext = {
      stores() {
        if (!opened) throw new Error('the stores are not open');
        return opened.stores;
      },
      async user(prefix = 'u') {
        seq += 1;
        return ctx.stores().users.createUser(`${prefix}_${run}_${seq}`, `hash-${seq}`);
      },
    };

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    it('describes itself and answers ping', async () => {
      const stores = ctx.stores();
      expect(typeof stores.description).toBe('string');
      expect(stores.description.length).toBeGreaterThan(0);
      await expect(Promise.resolve().then(() => stores.ping())).resolves.toBeUndefined();
    });

    describe('users', () => userContract(ctx));
    describe('groups', () => groupContract(ctx));
    describe('messages', () => messageContract(ctx));
    describe('sync (messagesSince)', () => syncContract(ctx));
    describe('receipts, read markers and conversations', () => readStateContract(ctx));
    describe('notifications', () => notificationContract(ctx));
    describe('sessions', () => sessionContract(ctx));
  });
}
