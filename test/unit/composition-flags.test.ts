/**
 * What createParlor tells the Manager about who knows what, for each
 * combination of the host's interfaces: the flags decide which questions go
 * to the host (groupsOf for sync, contactsOf for consent) and whether the
 * Manager records who wrote to whom. Asking too little is a bug (a host's
 * groups are missed); asking too much is a query per message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor, type ParlorOptions } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { mockGroupMemberFetcher, mockPersister } from '../support/mocks.js';

const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
afterAll(() => stores.close());

const flagsOf = (host: Partial<ParlorOptions>) => {
  const { options } = createParlor({ stores, sessionSecret: 'a session secret of some length', ...host }).manager;
  return { storesKnowGroups: options.storesKnowGroups, storesKnowWriters: options.storesKnowWriters, consentStoreKnowsGroups: options.consentStoreKnowsGroups };
};

describe('createParlor: what the stores know, per combination of host interfaces', () => {
  it.each([
    ['nothing of the host', {}, { storesKnowGroups: true, storesKnowWriters: true, consentStoreKnowsGroups: true }],
    ["the host's persister, Parlor's groups", { messagePersister: mockPersister() }, { storesKnowGroups: false, storesKnowWriters: false, consentStoreKnowsGroups: true }],
    ["the host's groups, Parlor's messages", { groupMemberFetcher: mockGroupMemberFetcher() }, { storesKnowGroups: false, storesKnowWriters: true, consentStoreKnowsGroups: false }],
    ['both of the host', { groupMemberFetcher: mockGroupMemberFetcher(), messagePersister: mockPersister() }, { storesKnowGroups: false, storesKnowWriters: false, consentStoreKnowsGroups: false }],
  ] as const)('%s', (_name, host, flags) => {
    expect(flagsOf(host)).toEqual(flags);
  });
});
