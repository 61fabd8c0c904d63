/**
 * The one behaviour suite every backend must pass (express-session style:
 * one contract, several stores). It talks to the stores through the
 * interfaces of src/store/types.ts only and always awaits, so the synchronous
 * SQLite store and an async PostgreSQL store run it unchanged:
 *
 *   runStoreContract('postgres', async () => ({ stores, cleanup: () => stores.close() }));
 *
 * The stores are opened once per suite; every test creates its own users, so
 * it never depends on rows another test left behind. The suite runs in both
 * user modes: Parlor's own accounts, and a host's users (ids with no Parlor
 * account, a directory that is an in-memory set); every rule holds in both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountDirectory } from '../../src/store/account-directory.js';
import type { Stores, User } from '../../src/store/types.js';
import type { UserDirectory } from '../../src/websocket/user-directory.js';
import type { ContractContext, UserMode } from './contract/context.js';
import { directoryContract } from './contract/directory.js';
import { consentContract } from './contract/consent.js';
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

/** Host user ids start here, far from the ids Parlor's own accounts get in a test. */
const FIRST_HOST_ID = 1_000_000;

/** The contract in both user modes, each against stores of its own. */
export function runStoreContract(name: string, open: () => Promise<OpenedStores>): void {
  for (const mode of ['accounts', 'host'] as const) runStoreContractIn(mode, name, open);
}

function runStoreContractIn(mode: UserMode, name: string, open: () => Promise<OpenedStores>): void {
  describe(`store contract: ${name}, ${mode === 'accounts' ? "Parlor's own accounts" : "a host's users"}`, () => {
    let opened: OpenedStores | undefined;
    const run = Math.random().toString(36).slice(2, 8);
    let seq = 0;
    const hostUsers = new Map<number, User>();
    const hostDirectory: Required<UserDirectory> = {
      existing: (ids) => ids.filter((id) => hostUsers.has(id)),
      profiles: (ids) => ids.flatMap((id) => hostUsers.get(id) ?? []),
    };

    const ctx: ContractContext = {
      mode,
      stores() {
        if (!opened) throw new Error('the stores are not open');
        return opened.stores;
      },
      async user(prefix = 'u') {
        seq += 1;
        const username = `${prefix}_${run}_${seq}`;
        if (mode === 'accounts') return ctx.stores().users.createUser(username, `hash-${seq}`);
        const user = { id: FIRST_HOST_ID + seq, username };
        hostUsers.set(user.id, user);
        return user;
      },
      directory() {
        return mode === 'accounts' ? accountDirectory(ctx.stores().users) : hostDirectory;
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
    describe('the user directory', () => directoryContract(ctx));
    describe('groups', () => groupContract(ctx));
    describe('messages', () => messageContract(ctx));
    describe('sync (messagesSince)', () => syncContract(ctx));
    describe('receipts, read markers and conversations', () => readStateContract(ctx));
    describe('notifications', () => notificationContract(ctx));
    describe('sessions', () => sessionContract(ctx));
    describe('message requests and blocks', () => consentContract(ctx));
  });
}
