/**
 * Frames waiting to reach the server, in the order the app made them.
 *
 * A message (private or group) stays here until its `ack` (or matching
 * `error` frame) arrives: after a reconnect it is written again with the same
 * `client_id`, which the server deduplicates. A fire-once frame (`read`)
 * leaves as soon as it is written; a newer one for the same conversation
 * replaces it while it waits, so they are bounded by conversations.
 *
 * Messages are written before fire-once frames: a read mark names a message
 * already stored, so nothing ties it to a later send, and a reply must not
 * wait behind the marks of a catch-up.
 *
 * `ackTimeoutMs` counts from the moment a message is written to an open
 * socket; a message queued while disconnected waits without a deadline, and
 * its clock restarts each time it is written again.
 */
import { ParlorClientError } from './errors.js';

/** The server's acknowledgement that a message is durably stored. */
export interface SendAck {
  /** The stored message's id. */
  id: number;
  /** When it was stored (Unix ms). */
  timestamp: number;
  /** The client id the message was sent with. */
  client_id: string;
}

interface Waiter {
  resolve(ack: SendAck): void;
  reject(err: ParlorClientError): void;
}

interface Entry {
  /** The serialised frame. */
  readonly frame: string;
  /** Present for messages, which wait for an ack; absent for fire-once frames. */
  readonly clientId?: string;
  /** A read mark's message id: a queued mark of a later message in the same conversation is kept instead. */
  readonly readId?: number;
  readonly waiter?: Waiter;
  readonly promise?: Promise<SendAck>;
  written: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** When the server first answered this message `rate_limited` (Date.now()); see requeue. */
  refusedSince?: number;
}

export class Outbox {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ackTimeoutMs: number) {}

  /** Messages waiting for their ack, written or not. */
  get pendingMessages(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.clientId !== undefined) n++;
    return n;
  }

  /** Every queued frame, messages and fire-once frames alike. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Queue a message. A client id already waiting returns the same promise
   * rather than a second entry, so repeating a send is harmless here too.
   */
  addMessage(clientId: string, frame: string): Promise<SendAck> {
    const existing = this.entries.get(messageKey(clientId));
    if (existing?.promise) return existing.promise;
    let waiter!: Waiter;
    const promise = new Promise<SendAck>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    this.entries.set(messageKey(clientId), { frame, clientId, waiter, promise, written: false });
    return promise;
  }

  /**
   * Queue a `read` frame, written once, for `conversation` (ReadConversations): it replaces the mark queued for
   * the same conversation, unless that one marks a later message (a read covers the earlier ones).
   */
  addRead(conversation: string, messageId: number, frame: string): void {
    const key = `r:${conversation}`;
    const queued = this.entries.get(key);
    if (queued?.readId !== undefined && queued.readId > messageId) return;
    this.entries.delete(key);
    this.entries.set(key, { frame, readId: messageId, written: false });
  }

  /**
   * Write every entry not yet written on the current connection: the messages
   * in the order they were made, then the fire-once frames. `write` returns
   * false when the socket refused the frame; flushing stops there and the rest
   * waits. `messagesOnly`: the fire-once frames stay queued for a later flush.
   */
  flush(write: (frame: string) => boolean, messagesOnly = false): void {
    if (!this.flushWhere(write, (entry) => entry.clientId !== undefined)) return;
    if (!messagesOnly) this.flushWhere(write, (entry) => entry.clientId === undefined);
  }

  /** Write, in order, the unwritten entries `which` picks; false when `write` refused one. */
  private flushWhere(write: (frame: string) => boolean, which: (entry: Entry) => boolean): boolean {
    for (const [key, entry] of [...this.entries]) {
      if (entry.written || this.entries.get(key) !== entry || !which(entry)) continue;
      if (!write(entry.frame)) return false;
      if (entry.clientId === undefined) {
        this.entries.delete(key);
        continue;
      }
      entry.written = true;
      entry.timer = setTimeout(() => this.expire(key, entry), this.ackTimeoutMs);
    }
    return true;
  }

  /** Resolve the message this ack names; false when none waits for it. */
  acknowledge(ack: SendAck): boolean {
    const entry = this.take(ack.client_id);
    entry?.waiter?.resolve(ack);
    return entry !== undefined;
  }

  /** Reject the message with this client id; false when none waits for it. */
  fail(clientId: string, err: ParlorClientError): boolean {
    const entry = this.take(clientId);
    entry?.waiter?.reject(err);
    return entry !== undefined;
  }

  /**
   * The server dropped this message unread (`rate_limited`): it waits to be
   * written again, its ack clock stopped; false when none waits for it, or
   * when it has been refused for `ackTimeoutMs` already. A frame limit lets
   * it through within a second or two; a refusal that lasts (a daily budget
   * of new conversations) would otherwise be written again for ever, ahead
   * of every later message. Then the caller fails it.
   */
  requeue(clientId: string): boolean {
    const entry = this.entries.get(messageKey(clientId));
    if (!entry) return false;
    const now = Date.now();
    entry.refusedSince ??= now;
    if (now - entry.refusedSince >= this.ackTimeoutMs) return false;
    entry.written = false;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    return true;
  }

  /** The connection is gone: nothing is in flight any more, everything will be written again. */
  disconnected(): void {
    for (const entry of this.entries.values()) {
      entry.written = false;
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  /** The client stopped: reject every waiting message and forget every frame. */
  rejectAll(err: ParlorClientError): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.waiter?.reject(err);
    }
  }

  private take(clientId: string): Entry | undefined {
    const key = messageKey(clientId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    clearTimeout(entry.timer);
    return entry;
  }

  private expire(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    entry.waiter?.reject(
      new ParlorClientError(
        'timeout',
        `no ack for client_id ${entry.clientId} within ${this.ackTimeoutMs} ms; it may still be stored, resend with the same clientId`,
      ),
    );
  }
}

function messageKey(clientId: string): string {
  return `m:${clientId}`;
}
