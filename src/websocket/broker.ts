import type { BrokerGap } from './broker-gap.js';
import type { Store as RateLimitStore } from 'express-rate-limit';
import type { Awaitable } from '../types.js';
import type { CacheInvalidation } from './cache-invalidation.js';
import type { DisconnectOrder } from './disconnect-order.js';
import type { ServerFrameType } from './protocol.js';

/** For a private message: who should produce a `delivered` receipt when a connection of `recipientId` gets it. */
export interface DeliveryTracking {
  messageId: number;
  senderId: number;
  recipientId: number;
  /**
   * Whether the sender may get that receipt (false while the recipient has not
   * accepted the conversation, contract section 6). Absent: the Manager asks.
   */
  receipt?: boolean;
}

/**
 * One serialised frame and who gets it. `raw` is encoded once, before
 * publishing, and written as-is to every recipient connection.
 */
export interface Envelope {
  type: ServerFrameType;
  raw: string;
  /** Target users, each once (the Manager removes repeats before publishing); ignored when `all` is set. */
  users?: readonly number[];
  all?: boolean;
  /** A connection id to skip (the sending connection). */
  except?: string;
  delivery?: DeliveryTracking;
  /** For ephemeral frames: what a newer frame replaces for a slow client ("presence:7", "typing:7:u9"). */
  latestKey?: string;
}

/**
 * Carries envelopes to whichever process holds the recipients' connections.
 * The in-process default hands them straight back; a Redis broker (scale-out)
 * publishes them on per-user channels.
 */
export interface Broker {
  publish(envelope: Envelope): Awaitable<void>;
  /** Called once by the Manager with its local delivery function. */
  setDeliver(deliver: (envelope: Envelope) => void): void;
  /**
   * The user's first local connection opened / last one closed. Resolves true
   * when the user thereby came online / went offline for the whole cluster:
   * only then does the Manager announce `presence`. Absent: always true.
   */
  userOnline?(userId: number): Awaitable<boolean>;
  userOffline?(userId: number): Awaitable<boolean>;
  /**
   * Called once by the Manager: the broker asks it to announce `presence` for
   * a user whose state changed elsewhere (an instance died, or a change made
   * during a Redis outage was settled after reconnecting).
   */
  setPresenceHandler?(handler: (userId: number, online: boolean) => void | Promise<void>): void;
  /** Which of these users hold a connection on any instance. Absent: the Manager asks its own registry. */
  onlineAmong?(userIds: readonly number[]): Awaitable<number[]>;
  /**
   * Carries a disconnect order (logout, revocation, `disconnectUser`) to every
   * other instance; the caller has already closed its own matching sockets.
   * Never rejects. Absent: one process is the whole cluster.
   */
  publishDisconnect?(order: DisconnectOrder): Awaitable<void>;
  /** Called once by the Manager: orders published by other instances arrive here. */
  setDisconnectHandler?(handler: (order: DisconnectOrder) => void): void;
  /**
   * Carries a cache invalidation (`parlor.invalidateUser` / `invalidateGroup`)
   * to every other instance; the caller has already applied it. Never rejects.
   * Absent: one process is the whole cluster.
   */
  publishInvalidation?(invalidation: CacheInvalidation): Awaitable<void>;
  /** Called once by the Manager: invalidations published by other instances arrive here. */
  setInvalidationHandler?(handler: (invalidation: CacheInvalidation) => void): void;
  /**
   * Called once by the Manager: `handler` runs each time the broker is
   * subscribed again after its subscription was lost. Disconnect orders and
   * invalidations published meanwhile never arrive (even when the
   * publisher's own connection was up, so it did not know), so the Manager
   * forgets its caches and re-checks its cookie sessions at once, and closes
   * its sockets with 1012 within `gap.resyncWindowMs` (default
   * DEFAULT_RESYNC_WINDOW_MS) so that their clients `sync` what they missed.
   */
  setResubscribedHandler?(handler: (gap?: BrokerGap) => void): void;
  /**
   * Counters every instance shares, for a rate limit of the cluster (an
   * express-rate-limit store; `AUTH_RATE_LIMIT`). Absent: each process counts alone.
   */
  rateLimitStore?(name: string): RateLimitStore;
  close(): Awaitable<void>;
}

/** Single-process delivery: publishing is delivering. */
export class InProcessBroker implements Broker {
  private deliver: (envelope: Envelope) => void = () => {};

  publish(envelope: Envelope): void {
    this.deliver(envelope);
  }

  setDeliver(deliver: (envelope: Envelope) => void): void {
    this.deliver = deliver;
  }

  /** One process is the whole cluster: a first local connection is a first connection. */
  userOnline(): boolean {
    return true;
  }

  userOffline(): boolean {
    return true;
  }

  close(): void {}
}
