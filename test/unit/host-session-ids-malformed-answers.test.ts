/**
 * src/composition/host-session-ids.ts reads what a host SessionResolver answers; two of its
 * refusals were pinned by no test:
 * - Mutant `|| typeof live === 'string'` removed (liveSessionIds) survived
 *   test/integration/host-interface-deadlines.test.ts: a stillValid answering one string
 *   (`return sid` instead of `return [sid]`) was then read as its characters, so session '42'
 *   looked ended (['4', '2']) and its sockets closed with 4401: a host bug logging users out.
 *   The rule: an answer that is no list is the resolver failing, which keeps the sockets open.
 * - Mutant `Number.isSafeInteger(id)` dropped (sessionIdOf) survived too: a session id of 1.5 or
 *   NaN was taken as the session '1.5' / 'NaN'. The rule: a session id is a string or an integer,
 *   anything else the resolver failing (503), never a session.
 */
import { describe, expect, it } from 'vitest';
import { hostSessionResolver } from '../../src/composition/host-interfaces.js';
import { InterfaceFailure } from '../../src/interface-failure.js';
import type { SessionResolver } from '../../src/websocket/session-resolver.js';

/** What `call` ends in, a synchronous throw read as a rejection. */
const settle = (call: () => unknown): Promise<unknown> => (async () => call())();

describe('a host stillValid answering something that is no list of session ids', () => {
  it.each([
    ['one session id as a string', (ids: readonly string[]) => ids[0]],
    ['one session id as a string, async', async (ids: readonly string[]) => ids[0]],
  ])('%s is the resolver failing, not a list of its characters', async (_, stillValid) => {
    const resolver = hostSessionResolver({ resolve: () => null, stillValid: stillValid as never } as SessionResolver, 1000);
    const err = await settle(() => resolver.stillValid!(['42'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterfaceFailure);
    expect((err as Error).message).toMatch(/sessionResolver\.stillValid: the answer is a list of session ids, not string/);
  });

  it('a list of the same id is read as that id', async () => {
    const resolver = hostSessionResolver({ resolve: () => null, stillValid: (ids) => [...ids] }, 1000);
    expect(await settle(() => resolver.stillValid!(['42']))).toEqual(['42']);
  });
});

describe('a host resolve answering a session id that is a number but no integer', () => {
  it.each([1.5, Number.NaN, 2 ** 53])('%s is the resolver failing, not a session', async (sessionId) => {
    const resolver = hostSessionResolver({ resolve: () => ({ userId: 1, sessionId, via: 'cookie' }) as never }, 1000);
    const err = await settle(() => resolver.resolve({} as never)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterfaceFailure);
    expect((err as Error).message).toMatch(/sessionResolver\.resolve: a session id is a string \(or an integer\), not number/);
  });

  it('an integer session id is read as its digits', async () => {
    const resolver = hostSessionResolver({ resolve: () => ({ userId: 1, sessionId: 7, via: 'cookie' }) as never }, 1000);
    expect(await settle(() => resolver.resolve({} as never))).toMatchObject({ userId: 1, sessionId: '7' });
  });
});
