/**
 * Holding a store call at a chosen point, to run something else while it waits: the interleavings the
 * race tests need, on a real server in-process (its `stores` are plain objects whose methods can be replaced).
 */
import { deferred } from './mocks.js';

export interface HeldCall {
  /** Resolves when the held call was made. */
  reached: Promise<void>;
  /** Lets the held call (or calls) go on. */
  release(): void;
  /** Puts the original method back (calls already held still wait for `release`). */
  restore(): void;
}

/**
 * The next call of `target[method]` waits until `release`; the calls after it go straight through (the
 * operation run meanwhile may use the same store). Callback-style methods (an express-session store's
 * `set`) wait too: the original runs, with the same arguments, once released.
 */
export function holdNextCall<T extends object>(target: T, method: keyof T): HeldCall {
  let held = false;
  return hold(target, method, () => {
    if (held) return false;
    held = true;
    return true;
  });
}

/** Every call of `target[method]` waits until `release`. */
export function holdCalls<T extends object>(target: T, method: keyof T): HeldCall {
  return hold(target, method, () => true);
}

function hold<T extends object>(target: T, method: keyof T, holdThis: () => boolean): HeldCall {
  const reached = deferred();
  const released = deferred();
  const original = target[method] as (...args: unknown[]) => unknown;
  target[method] = function (this: unknown, ...args: unknown[]) {
    if (!holdThis()) return original.apply(this, args);
    reached.resolve();
    return released.promise.then(() => original.apply(this, args));
  } as T[keyof T];
  return { reached: reached.promise, release: () => released.resolve(), restore: () => void (target[method] = original as T[keyof T]) };
}
