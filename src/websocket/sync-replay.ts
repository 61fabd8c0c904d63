import { ParlorError } from '../errors.js';
import type { Connection } from './connection.js';
import type { MessagePersister } from './message-persister.js';
import { utf8Frame } from './outbound-flow.js';
import { encodeFrame, isGroupMessage, type Message } from './protocol.js';
import { ReplayPacer } from './replay-pacer.js';

export interface ReplayOptions {
  messagesSince: NonNullable<MessagePersister['messagesSince']>;
  pageSize: number;
  /** Bytes the replay may keep in the socket's buffer (the shed threshold, a quarter of MAX_BUFFERED_BYTES). */
  bufferBudget: number;
  /** The write callback for a replayed private message to this user (it produces `delivered`). */
  onDeliveredTo: (m: Message) => ((err?: Error) => void) | undefined;
  /** Aborted when the server starts shutting down. */
  shutdown: AbortSignal;
}

/**
 * `sync {since}`: every message the user may see with a larger id, in id
 * order, read page by page and written no faster than the client reads (at
 * most `bufferBudget` bytes in the socket's buffer, see ReplayPacer); then
 * `synced {last_id}`. Each replayed frame carries `replayed: true`, so a client
 * cut off mid-replay knows up to which id it holds everything. Stops without
 * `synced` when the socket closes or the server shuts down (the client syncs
 * again on its next connection).
 */
export async function replaySince(conn: Connection, since: number, o: ReplayOptions): Promise<void> {
  // One replay per connection: each holds a page of messages while it waits for the client.
  if (conn.replaying) throw new ParlorError('rate_limited', 'a sync is already running on this connection; wait for synced');
  conn.replaying = true;
  let lastId: number | undefined;
  try {
    lastId = await replayPages(conn, since, o);
  } finally {
    // Cleared before `synced` is written: the client may sync again as soon as it reads it.
    conn.replaying = false;
  }
  if (lastId !== undefined) conn.send(encodeFrame('synced', { last_id: lastId }));
}

/** Writes every page; returns the last id replayed (or `since`), or undefined when the replay had to stop. */
async function replayPages(conn: Connection, since: number, o: ReplayOptions): Promise<number | undefined> {
  const pacer = new ReplayPacer(conn, o.bufferBudget, o.shutdown);
  let cursor = since;
  for (;;) {
    const page = await o.messagesSince(conn.userId, cursor, o.pageSize);
    for (const m of page) {
      const frame = replayedFrame(m);
      if (pacer.mustWait(frame.length)) await pacer.roomFor(frame.length);
      if (pacer.stopped) return undefined;
      pacer.write(frame, o.onDeliveredTo(m));
      cursor = m.id;
    }
    if (pacer.stopped) return undefined;
    if (page.length < o.pageSize) return cursor;
  }
}

function replayedFrame(m: Message): Buffer {
  const raw = isGroupMessage(m) ? encodeFrame('group', { ...m, replayed: true }) : encodeFrame('private', { ...m, replayed: true });
  return utf8Frame(raw);
}
