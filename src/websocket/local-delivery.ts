import type { DeliveryTracking, Envelope } from './broker.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { utf8Frame, type OutgoingFrame } from './outbound-flow.js';
import { EPHEMERAL_FRAMES } from './protocol.js';
import type { RelayedTyping } from './typing-tracker.js';

/**
 * Writes envelopes to the connections of this process. The frame was
 * serialised once, before publishing; here it is encoded to UTF-8 once, on
 * its way to the first connection, and the same bytes go to every connection. For a private message, the first completed write to a
 * connection of the recipient reports `delivered`, once.
 */
export class LocalDelivery {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly onDelivered: (d: DeliveryTracking) => void,
    /** With several instances: which users here a typing stop is written to, and the stops this process sends itself when a typist's instance goes quiet (RelayedTyping). */
    readonly relayedTyping: RelayedTyping | null = null,
  ) {}

  /** Writes the envelope; returns how many connections it was written to. */
  deliver(envelope: Envelope): number {
    if (this.relayedTyping && envelope.type === 'typing') {
      const shown = this.relayedTyping.toWrite(envelope, (u) => this.registry.has(u));
      if (!shown) return 0;
      envelope = shown;
    }
    const ephemeral = EPHEMERAL_FRAMES.has(envelope.type);
    const delivery = envelope.delivery;
    const onWritten = delivery ? this.deliveredOnce(delivery) : undefined;
    // `users` holds each user once (Manager.publish).
    const targets = envelope.all ? [this.registry.all()] : (envelope.users ?? []).map((u) => this.registry.of(u) ?? []);
    const latestKey = envelope.latestKey ?? envelope.raw;
    let frame: OutgoingFrame = envelope.raw;
    let written = 0;
    for (const conns of targets) {
      for (const conn of conns) {
        if (conn.id === envelope.except) continue;
        const cb = onWritten && conn.userId === delivery!.recipientId ? onWritten : undefined;
        frame = utf8Frame(frame);
        if ((ephemeral ? conn.sendEphemeral(frame, latestKey) : conn.send(frame, cb)) === 'sent') written++;
      }
    }
    return written;
  }

  /** A write callback that reports `delivered` at most once, after a successful write; never for a note to oneself. */
  deliveredOnce(d: DeliveryTracking): (err?: Error) => void {
    let done = d.senderId === d.recipientId;
    return (err) => {
      if (done || err) return;
      done = true;
      this.onDelivered(d);
    };
  }
}
