import type { Database } from 'better-sqlite3';
import { hasLoneSurrogate } from '../../lone-surrogate.js';
import type { Saved } from '../../websocket/message-persister.js';
import type { GroupMessage, PrivateMessage } from '../../websocket/protocol.js';
import { clientIdConflict } from '../domain/idempotency.js';
import { MESSAGE_BY_CLIENT_ID_SQL } from '../domain/messages.js';
import { MESSAGE_COLUMNS, type MessageRow, toGroupMessage, toPrivateMessage } from '../rows.js';
import { lazyStatement } from './lazy-statement.js';

type Insert = { from: number; to: number | null; group: number | null; content: string; clientId: string | null; now: number };

/**
 * What saving a message answers, small because it crosses back from the write
 * worker for every message: a new message stored exactly as the caller gave
 * it is only `[id, created_at]`, the rest being what the caller already holds
 * (`savedPrivate`/`savedGroup` rebuild it); anything else is the whole
 * `Saved`: a duplicate (the earlier message, with its own content), or a new
 * row that differs from the input (a string SQLite stored other than given,
 * say, a lone surrogate made U+FFFD).
 */
export type SaveAnswer<M> = [id: number, createdAt: number] | Saved<M>;

/** The message savePrivate stored, from its answer and the arguments it was given: the same object `toPrivateMessage` makes of the row. */
export function savedPrivate(answer: SaveAnswer<PrivateMessage>, from: number, to: number, content: string): Saved<PrivateMessage> {
  if (!Array.isArray(answer)) return answer;
  return { message: { id: answer[0], from, to, content, timestamp: answer[1] }, duplicate: false };
}

/** The message saveGroup stored, from its answer and the arguments it was given: the same object `toGroupMessage` makes of the row. */
export function savedGroup(answer: SaveAnswer<GroupMessage>, from: number, groupId: number, content: string): Saved<GroupMessage> {
  if (!Array.isArray(answer)) return answer;
  return { message: { id: answer[0], from, group_id: groupId, content, timestamp: answer[1] }, duplicate: false };
}

/**
 * The writes of messages (the rules of writes.ts). No user or group is looked
 * up here: users and groups may be the host's. Whether a recipient exists or
 * a sender may write to a group is the Manager's question, asked before.
 * Their arguments are flat (no input object): each is one plain value of the
 * worker's message (write-worker-protocol.ts).
 */
export function prepareMessageWrites(db: Database) {
  const INSERT = `INSERT INTO messages (sender_id, recipient_id, group_id, content, client_id, created_at)
     VALUES (@from, @to, @group, @content, @clientId, @now) ON CONFLICT DO NOTHING`;
  // Without RETURNING: SQLite gathers RETURNING rows in a temporary b-tree that it opens, commits
  // and closes for every statement, about 3 of a message's 19 µs in the write worker (issue 19,
  // ninth pass in bench/RESULTS.md). A new row holds exactly what was bound (integers and valid
  // text are stored as given), so its id is all there is to learn.
  const insertMessage = db.prepare<Insert>(INSERT);
  // Text with a lone surrogate has no UTF-8 form: SQLite stores U+FFFD in its place, so that row is read back.
  const insertReturning = lazyStatement(() => db.prepare<Insert, MessageRow>(`${INSERT} RETURNING ${MESSAGE_COLUMNS}`));
  const byClientId = db.prepare<{ sender: number; clientId: string }, MessageRow>(MESSAGE_BY_CLIENT_ID_SQL);

  /**
   * The message stored earlier under (sender, clientId), once the insert did
   * nothing: the unique index `messages_client_id` is the only constraint an
   * insert can meet (ids are the table's own), so a row is there. Sent to
   * another conversation, it is the caller's error (src/store/domain/idempotency.ts).
   */
  const earlier = (insert: Insert): MessageRow => {
    const { from, clientId } = insert;
    const row = clientId === null ? undefined : byClientId.get({ sender: from, clientId });
    if (!row) throw new Error('the message insert did nothing, and no message has its (sender, client_id)');
    const conflict = clientIdConflict(row, insert, clientId!);
    if (conflict) throw conflict;
    return row;
  };

  /**
   * Stores a message of either kind: a new row stored as given answers
   * `[id, created_at]`; a duplicate, or text SQLite stored otherwise, the whole `Saved`.
   */
  const save = <M>(insert: Insert, toMessage: (row: MessageRow) => M): SaveAnswer<M> => {
    if (hasLoneSurrogate(insert.content)) {
      const row = insertReturning().get(insert);
      return { message: toMessage(row ?? earlier(insert)), duplicate: !row };
    }
    const { changes, lastInsertRowid } = insertMessage.run(insert);
    if (changes === 0) return { message: toMessage(earlier(insert)), duplicate: true };
    return [Number(lastInsertRowid), insert.now];
  };

  return {
    savePrivate(from: number, to: number, content: string, clientId: string | null, now: number): SaveAnswer<PrivateMessage> {
      return save({ from, to, group: null, content, clientId, now }, toPrivateMessage);
    },

    saveGroup(from: number, groupId: number, content: string, clientId: string | null, now: number): SaveAnswer<GroupMessage> {
      return save({ from, to: null, group: groupId, content, clientId, now }, toGroupMessage);
    },
  };
}
