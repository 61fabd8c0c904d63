import type { Awaitable } from '../types.js';
import type { ServerFrameType } from './protocol.js';

/** For a private message: who should produce a `delivered` receipt when a connection of `recipientId` gets it. */
export interface DeliveryTracking {
  messageId: number;
  senderId: number;
  recipientId: number;
}

/**
 * One serialised frame and who gets it. `raw` is encoded once, before
 * publishing, and written as-is to every recipient connection.
 */
export interface Envelope {
  type: ServerFrameType;
  raw: string;
  /** Target users; ignored when `all` is set. */
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
  /** The user's first local connection opened / last one closed. */
  userOnline?(userId: number): Awaitable<void>;
  userOffline?(userId: number): Awaitable<void>;
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

  close(): void {}
}
