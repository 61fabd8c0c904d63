/** What every part of the store contract suite shares: the open stores and small helpers. */
import { expect } from 'vitest';
import { ParlorError } from '../../../src/errors.js';
import type { Stores, User } from '../../../src/store/types.js';
import type { UserDirectory } from '../../../src/websocket/user-directory.js';

/**
 * Whose users the stores hold: Parlor's own accounts (`accounts`), or a
 * host's (`host`): ids with no row in Parlor's `users`, known only to the
 * host's directory (here an in-memory set).
 */
export type UserMode = 'accounts' | 'host';

export interface ContractContext {
  readonly mode: UserMode;
  /** The stores under test (opened in beforeAll). */
  stores(): Stores;
  /** A fresh user with a unique name, so tests sharing one store never see each other's rows. */
  user(prefix?: string): Promise<User>;
  /** The mode's UserDirectory: `accountDirectory(stores.users)`, or the host's set of ids. */
  directory(): UserDirectory;
}

/** An id that no row has (fits a 32-bit integer column). */
export const MISSING = 2_000_000_000;

/** Awaits `fn` (sync or async) and checks it failed with a ParlorError of that code. */
export async function expectParlorError(fn: () => unknown, code: string): Promise<ParlorError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ParlorError('${code}')`).toBeInstanceOf(ParlorError);
  expect((caught as ParlorError).code).toBe(code);
  return caught as ParlorError;
}

/** The ids of a list, for exact comparisons. */
export const ids = (items: ReadonlyArray<{ id: number }>): number[] => items.map((i) => i.id);

export const sortNumbers = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
