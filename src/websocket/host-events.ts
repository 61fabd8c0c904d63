/**
 * `parlor.events` (contract section 6, "events for host code"): what host
 * code listens to for push notifications, search indexing or webhooks,
 * emitted after the commit. A listener that throws (or rejects) is logged
 * and never affects delivery; nothing is computed when nobody listens.
 */
import type { Logger } from '../logger.js';
import type { Message, Notification } from './protocol.js';

export interface HostEventMap {
  /** A stored private or group message; `offline`: recipients with no connection anywhere in the cluster then. */
  message: { message: Message; recipients: number[]; offline: number[] };
  /** A stored notification; `offline` holds the user when no connection of theirs was open. */
  notification: { notification: Notification; user_id: number; offline: number[] };
  /** A `read` frame moved a read marker (`group_id` for a group). */
  read: { user_id: number; message_id: number; group_id?: number };
}

export type HostEventName = keyof HostEventMap;
export type HostListener<K extends HostEventName> = (event: HostEventMap[K]) => unknown;

export class HostEvents {
  private readonly listeners: { [K in HostEventName]: Set<HostListener<K>> } = { message: new Set(), notification: new Set(), read: new Set() };

  constructor(private readonly log: Logger) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends HostEventName>(event: K, listener: HostListener<K>): () => void {
    this.listeners[event].add(listener);
    return () => this.off(event, listener);
  }

  off<K extends HostEventName>(event: K, listener: HostListener<K>): void {
    this.listeners[event].delete(listener);
  }

  /** True when somebody listens: the Manager skips the work of an event nobody hears. */
  has(event: HostEventName): boolean {
    return this.listeners[event].size > 0;
  }

  emit<K extends HostEventName>(event: K, payload: HostEventMap[K]): void {
    for (const listener of this.listeners[event]) {
      try {
        const result = listener(payload);
        if (result instanceof Promise) result.catch((err: unknown) => this.failed(event, err));
      } catch (err) {
        this.failed(event, err);
      }
    }
  }

  private failed(event: HostEventName, err: unknown): void {
    this.log.error({ err, event }, `a parlor.events '${event}' listener failed`);
  }
}
