/**
 * A small typed event emitter that runs in browsers, webviews and Node alike
 * (no Node `EventEmitter`). `on` and `once` return their own remover, in the
 * style of ws's `addListeners`.
 */

export type Listener<T> = (payload: T) => void;
export type Unsubscribe = () => void;

export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Call `listener` for every `event`; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Unsubscribe {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Call `listener` for the next `event` only; returns a function that removes it. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Unsubscribe {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Remove a listener added with `on` (a listener added with `once` is removed by its own remover). */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    set.delete(listener as Listener<never>);
    if (set.size === 0) this.listeners.delete(event);
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /**
   * Call every listener of `event` in the order they were added (one removed
   * meanwhile by an earlier listener is skipped, as with `EventTarget`). A listener
   * that throws does not stop the others nor corrupt the caller's state: its
   * error is rethrown on a later microtask, as `EventTarget` reports it.
   */
  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      if (!set.has(listener)) continue; // removed by an earlier listener of this same event
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
