/**
 * Which conversation a `read` mark moves, so the outbox keeps at most one
 * queued mark per conversation: a read covers the earlier messages too, so
 * the newest one is all the server needs (a catch-up replay that an app
 * marks read message by message would otherwise queue one frame per message).
 *
 * A group mark names its group. A private mark names only a message, and
 * marks it and the earlier ones *from its sender* read: its conversation is
 * that sender, which the client knows for the private messages it handed to
 * the app (the last `capacity` of them). A message it did not hand over (one
 * the app loaded over HTTP) is a conversation of its own: its mark is kept
 * as it is, never merged with another.
 */
import type { MessageFrame } from './inbox.js';

export class ReadConversations {
  /** Private message id -> its sender, oldest first. */
  private readonly senders = new Map<number, number>();

  constructor(private readonly capacity: number) {}

  /** A message was handed to the app: a later mark of it is one of its sender's conversation. */
  delivered(frame: MessageFrame): void {
    if (frame.type !== 'private') return;
    this.senders.set(frame.id, frame.from);
    if (this.senders.size > this.capacity) this.senders.delete(this.senders.keys().next().value!);
  }

  /** The conversation a mark of `messageId` (in `groupId`, for a group) moves. */
  of(messageId: number, groupId: number | undefined): string {
    if (groupId !== undefined) return `group:${groupId}`;
    const sender = this.senders.get(messageId);
    return sender === undefined ? `message:${messageId}` : `from:${sender}`;
  }
}
