/**
 * A host-provided interface threw, or did not answer in time (contract
 * section 4, "errors the host can read"): HTTP and the upgrade answer 503
 * `unavailable`, and the log names the interface, so an outage of the host's
 * session store or user service is not mistaken for a bug in Parlor or a
 * signed-out user.
 */
import { boundMethods } from './bound-methods.js';
import { withDeadline } from './deadline.js';
import { isParlorError } from './errors.js';

export type InterfaceName = 'sessionResolver' | 'groupMemberFetcher' | 'userDirectory' | 'messagePolicy';

/** How long a call to a host's interface may take: `createParlor`'s `interfaceTimeoutMs`. */
export const DEFAULT_INTERFACE_TIMEOUT_MS = 5000;

export class InterfaceFailure extends Error {
  override name = 'InterfaceFailure';
  constructor(
    readonly interfaceName: InterfaceName,
    override readonly cause: unknown,
  ) {
    super(`${interfaceName} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * The same object, whose methods turn a throw or a rejection into an
 * `InterfaceFailure` naming it, and, given `deadlineMs`, an answer that has
 * not come within it too (a hung call would otherwise hold a request, a
 * message's turn or the session re-check for good). A `ParlorError` (an
 * answer such as `not_found`) passes unchanged; a synchronous result stays
 * synchronous. Without `deadlineMs` (Parlor's own stores) a call may take
 * as long as it takes.
 */
export function guardInterface<T extends object>(interfaceName: InterfaceName, impl: T, deadlineMs?: number, withoutDeadline: ReadonlySet<string> = NONE): T {
  const fail = (err: unknown): never => {
    throw isParlorError(err) || err instanceof InterfaceFailure ? err : new InterfaceFailure(interfaceName, err);
  };
  const guarded: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(boundMethods(impl))) {
    guarded[key] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = method(...args);
      } catch (err) {
        return fail(err);
      }
      // A thenable that is no native Promise (a query builder, Bluebird) fails the same way: 503, the interface named.
      if (!isThenable(result)) return result;
      return answerWithin(result, withoutDeadline.has(key) ? undefined : deadlineMs, interfaceName, `${interfaceName}.${key}`).catch(fail);
    };
  }
  return guarded as T;
}

const NONE: ReadonlySet<string> = new Set();
const boundedByThemselves = new WeakMap<object, ReadonlySet<string>>();

/**
 * Marks methods of `impl` that bound each of their own calls (Parlor's
 * expressSessionResolver: its stillValid asks the store one get at a time,
 * each with its own limit): guardInterface gives them no deadline as a whole,
 * since a batch of thousands may rightly take longer than one call's deadline.
 */
export function boundsItsOwnCalls<T extends object>(impl: T, ...methods: Array<keyof T & string>): T {
  boundedByThemselves.set(impl, new Set(methods));
  return impl;
}

/** The methods `impl` was marked with by boundsItsOwnCalls (none by default). */
export function selfBoundedMethods(impl: object): ReadonlySet<string> {
  return boundedByThemselves.get(impl) ?? NONE;
}

/**
 * The host's answer, or an `InterfaceFailure` naming `interfaceName` once
 * `deadlineMs` has passed without one (none: no deadline); a late answer is
 * ignored (withDeadline). The one deadline of every call to a host's interface.
 */
export function answerWithin<T>(answer: PromiseLike<T>, deadlineMs: number | undefined, interfaceName: InterfaceName, call: string): Promise<T> {
  if (deadlineMs === undefined) return Promise.resolve(answer);
  return withDeadline(answer, deadlineMs, () => new InterfaceFailure(interfaceName, new Error(`${call} did not answer within ${deadlineMs} ms`)));
}

/** A native promise or any object with a `then` (a query builder, Bluebird): what a host's interface may answer with. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
