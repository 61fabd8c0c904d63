/**
 * A host-provided interface threw (contract section 4, "errors the host can
 * read"): HTTP and the upgrade answer 503 `unavailable`, and the log names
 * the interface, so an outage of the host's session store or user service
 * is not mistaken for a bug in Parlor or a signed-out user.
 */
import { boundMethods } from './bound-methods.js';
import { isParlorError } from './errors.js';

export type InterfaceName = 'sessionResolver' | 'groupMemberFetcher' | 'userDirectory';

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
 * `InterfaceFailure` naming it. A `ParlorError` (an answer such as
 * `not_found`) passes unchanged; a synchronous result stays synchronous.
 */
export function guardInterface<T extends object>(interfaceName: InterfaceName, impl: T): T {
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
      return isThenable(result) ? Promise.resolve(result).catch(fail) : result;
    };
  }
  return guarded as T;
}

/** A native promise or any object with a `then` (a query builder, Bluebird): what a host's interface may answer with. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
