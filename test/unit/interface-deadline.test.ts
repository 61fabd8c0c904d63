/**
 * guardInterface's deadline (src/interface-failure.ts): the one place a call
 * to a host's interface is given `interfaceTimeoutMs` to answer in.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InterfaceFailure, guardInterface } from '../../src/interface-failure.js';
import { ParlorError } from '../../src/errors.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('guardInterface with a deadline', () => {
  it('fails a call that has not answered in time as the interface, naming the method', async () => {
    const directory = guardInterface('userDirectory', { existing: () => new Promise<number[]>(() => {}) }, 30);
    const err = await (directory.existing() as Promise<number[]>).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterfaceFailure);
    expect(err).toMatchObject({ interfaceName: 'userDirectory', message: 'userDirectory failed: userDirectory.existing did not answer within 30 ms' });
  });

  it('keeps a synchronous answer synchronous and sets no timer for it', () => {
    vi.useFakeTimers();
    const directory = guardInterface('userDirectory', { existing: (ids: number[]) => ids }, 30);
    expect(directory.existing([1, 2])).toEqual([1, 2]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the timer once the answer comes, and passes the answer and a ParlorError on', async () => {
    vi.useFakeTimers();
    const fetcher = guardInterface(
      'groupMemberFetcher',
      {
        acceptedMembers: async () => [1],
        contactsOf: async (): Promise<number[]> => {
          throw new ParlorError('not_found', 'no such user');
        },
      },
      1000,
    );
    const members = fetcher.acceptedMembers();
    expect(vi.getTimerCount()).toBe(1);
    expect(await members).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    await expect(fetcher.contactsOf()).rejects.toBeInstanceOf(ParlorError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets a timer that keeps no process alive', () => {
    const unref = vi.spyOn(globalThis, 'setTimeout');
    const resolver = guardInterface('sessionResolver', { resolve: () => new Promise(() => {}) }, 50);
    void resolver.resolve();
    const timer = unref.mock.results.at(-1)?.value as NodeJS.Timeout;
    unref.mockRestore();
    expect(timer.hasRef()).toBe(false);
    clearTimeout(timer);
  });

  it('without a deadline (Parlor\'s own stores), waits as long as the call takes', () => {
    vi.useFakeTimers();
    const groups = guardInterface('groupMemberFetcher', { acceptedMembers: () => new Promise(() => {}) });
    void groups.acceptedMembers();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('createParlor interfaceTimeoutMs', () => {
  it('is checked with the other options', async () => {
    const { createParlor } = await import('../../src/app.js');
    const { openSqliteStores } = await import('../../src/store/sqlite/index.js');
    const stores = openSqliteStores({ path: ':memory:', writer: 'inline' });
    expect(() => createParlor({ stores, sessionResolver: { resolve: () => null }, tokens: false, interfaceTimeoutMs: 0 })).toThrow(/interfaceTimeoutMs: /);
    await stores.close();
  });
});
