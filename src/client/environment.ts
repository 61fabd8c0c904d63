/**
 * What the platform says about reachability. Reconnection waits while the
 * platform reports the device offline (`navigator.onLine === false`, resumed
 * by an `online` event) or, optionally, the page hidden
 * (`document.visibilityState === 'hidden'`, resumed by `visibilitychange`).
 * Each check applies only where the global exists, so Node never pauses.
 *
 * The environment defaults to `globalThis`; tests pass a fake one.
 */

export interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface ClientEnvironment {
  navigator?: { onLine?: boolean };
  document?: Partial<EventTargetLike> & { visibilityState?: string };
  addEventListener?: EventTargetLike['addEventListener'];
  removeEventListener?: EventTargetLike['removeEventListener'];
}

export type PauseReason = 'offline' | 'hidden';

/** Why reconnecting should wait now, or undefined when it may go ahead. */
export function pauseReason(env: ClientEnvironment, pauseWhenHidden: boolean): PauseReason | undefined {
  if (env.navigator?.onLine === false && canListen(env)) return 'offline';
  if (pauseWhenHidden && env.document?.visibilityState === 'hidden' && canListen(env.document)) return 'hidden';
  return undefined;
}

/**
 * Call `resume` once nothing pauses reconnection any more (at once when
 * nothing does). Returns a function that cancels the wait.
 */
export function whenReachable(env: ClientEnvironment, pauseWhenHidden: boolean, resume: () => void): () => void {
  if (pauseReason(env, pauseWhenHidden) === undefined) {
    resume();
    return () => {};
  }
  const check = (): void => {
    if (pauseReason(env, pauseWhenHidden) !== undefined) return;
    cancel();
    resume();
  };
  const removers = [listen(env, 'online', check), listen(env.document, 'visibilitychange', check)];
  const cancel = (): void => {
    for (const remove of removers.splice(0)) remove();
  };
  return cancel;
}

function canListen(target: Partial<EventTargetLike> | undefined): target is EventTargetLike {
  return typeof target?.addEventListener === 'function' && typeof target.removeEventListener === 'function';
}

function listen(target: Partial<EventTargetLike> | undefined, type: string, listener: () => void): () => void {
  if (!canListen(target)) return () => {};
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}
