import type { Database } from 'better-sqlite3';
import type { SaveGroupInput, SavePrivateInput, Saved } from '../../websocket/message-persister.js';
import type { GroupMessage, PrivateMessage } from '../../websocket/protocol.js';
import { clientIdKindConflict, type MessageKind } from '../domain/idempotency.js';
import { MESSAGE_COLUMNS, type MessageRow, toGroupMessage, toPrivateMessage } from '../rows.js';

type Insert = { from: number; to: number | null; group: number | null; content: string; clientId: string | null; now: number };

/**
 * The writes of messages (the rules of writes.ts). No user or group is looked
 * up here: users and groups may be the host's. Whether a recipient exists or
 * a sender may write to a group is the Manager's question, asked before.
 */
export function prepareMessageWrites(db: Database) {
  const insertMessage = db.prepare<Insert, MessageRow>(
    `INSERT INTO messages (sender_id, recipient_id, group_id, content, client_id, created_at)
     VALUES (@from, @to, @group, @content, @clientId, @now) RETURNING ${MESSAGE_COLUMNS}`,
  );
  const byClientId = db.prepare<[number, string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender_id = ? AND client_id = ?`);

  /** The message stored earlier under (sender, clientId), if any (src/store/domain/idempotency.ts). */
  const earlier = (from: number, clientId: string | undefined, kind: MessageKind): MessageRow | undefined => {
    if (clientId === undefined) return undefined;
    const row = byClientId.get(from, clientId);
    const conflict = row && clientIdKindConflict(row, kind, clientId);
    if (conflict) throw conflict;
    return row;
  };

  return {
    savePrivate(input: SavePrivateInput, now: number): Saved<PrivateMessage> {
      const before = earlier(input.from, input.clientId, 'private');
      if (before) return { message: toPrivateMessage(before), duplicate: true };
      const row = insertMessage.get({ from: input.from, to: input.to, group: null, content: input.content, clientId: input.clientId ?? null, now })!;
      return { message: toPrivateMessage(row), duplicate: false };
    },

    saveGroup(input: SaveGroupInput, now: number): Saved<GroupMessage> {
      const before = earlier(input.from, input.clientId, 'group');
      if (before) return { message: toGroupMessage(before), duplicate: true };
      const row = insertMessage.get({ from: input.from, to: null, group: input.groupId, content: input.content, clientId: input.clientId ?? null, now })!;
      return { message: toGroupMessage(row), duplicate: false };
    },
  };
}
