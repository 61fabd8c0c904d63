import type { Connection } from './connection.js';
import type { MessagePersister } from './message-persister.js';
import { encodeFrame, isGroupMessage, type Message } from './protocol.js';

export interface ReplayOptions {
  messagesSince: NonNullable<MessagePersister['messagesSince']>;
  pageSize: number;
  /** The write callback for a replayed private message to this user (it produces `delivered`). */
  onDeliveredTo: (m: Message) => ((err?: Error) => void) | undefined;
  /** False once the server is shutting down. */
  isRunning: () => boolean;
}

/**
 * `sync {since}`: every message the user may see with a larger id, in id
 * order, read page by page and written no faster than the client reads; then
 * `synced {last_id}`. Stops without `synced` when the socket closes or the
 * server shuts down (the client syncs again on its next connection).
 */
export async function replaySince(conn: Connection, since: number, o: ReplayOptions): Promise<void> {
  let cursor = since;
  for (;;) {
    const page = await o.messagesSince(conn.userId, cursor, o.pageSize);
    for (const m of page) conn.send(encodeFrame(isGroupMessage(m) ? 'group' : 'private', m as never), false, o.onDeliveredTo(m));
    if (page.length > 0) cursor = page[page.length - 1]!.id;
    if (page.length < o.pageSize || !conn.isOpen) break;
    while (conn.isOpen && conn.isBehind && o.isRunning()) await new Promise((r) => setTimeout(r, 5));
    if (!conn.isOpen || !o.isRunning()) return;
  }
  conn.send(encodeFrame('synced', { last_id: cursor }), false);
}
