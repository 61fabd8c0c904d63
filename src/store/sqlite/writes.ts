/**
 * Every write Parlor makes to its SQLite file, as named operations on plain
 * (structured-clonable) arguments. The stores never write themselves: they
 * call `writer.run('savePrivate', input, now)`, and a SqliteWriter runs the
 * operation in its group-commit transaction, either on the main thread
 * (InlineWriter, for `:memory:`) or in the write worker (WorkerWriter). The
 * same functions run in both places, prepared on whichever connection writes.
 *
 * Rules for an operation: synchronous better-sqlite3 work only, re-runnable
 * (a failed batch is rolled back and run again, see batch-transaction.ts),
 * the clock passed in as `now` (the worker must not read its own clock: tests
 * inject one), and a result that survives structured cloning.
 */
import type { Database } from 'better-sqlite3';
import { ParlorError } from '../../errors.js';
import type { ReadResult, SaveGroupInput, SavePrivateInput, Saved } from '../../websocket/message-persister.js';
import type { GroupMessage, Notification, PrivateMessage } from '../../websocket/protocol.js';
import { MESSAGE_COLUMNS, type MessageRow, USER_COLUMNS, type UserRow, toGroupMessage, toPrivateMessage } from '../rows.js';
import { nextInviteWindow, type InviteWindow } from '../invite-limit.js';
import type { Group, MemberStatus, User } from '../types.js';
import { prepareConsentWrites } from './consent-writes.js';

/** True for SQLite's UNIQUE constraint error (better-sqlite3 `SqliteError.code`). */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

type MarkerKind = 'private' | 'group';

export function prepareWrites(db: Database) {
  // No user is looked up here: users may be the host's (no row in `users`).
  // Whether a recipient exists is the Manager's question to the UserDirectory, asked before.

  // users
  const insertUser = db.prepare<[string, string, number], UserRow>(
    `INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?) RETURNING ${USER_COLUMNS}`,
  );
  const bumpVersion = db
    .prepare<[number], number>(
      'INSERT INTO token_versions (user_id, version) VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET version = version + 1 RETURNING version',
    )
    .pluck();

  // groups
  const insertGroup = db.prepare<[string, number, number], Group>(
    'INSERT INTO groups (name, owner_id, created_at) VALUES (?, ?, ?) RETURNING id, name, owner_id',
  );
  const groupExists = db.prepare<[number], number>('SELECT 1 FROM groups WHERE id = ?').pluck();
  const insertMember = db.prepare<[number, number, MemberStatus, number | null, number]>(
    'INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  const insertInvitee = db.prepare<{ group: number; user: number; by: number; now: number } & InviteWindow>(
    `INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at, invite_count, invite_window_at)
     VALUES (@group, @user, 'invited', @by, @now, @invite_count, @invite_window_at)`,
  );
  const inviteWindowOf = db.prepare<[number, number], InviteWindow>(
    'SELECT invite_count, invite_window_at FROM group_members WHERE group_id = ? AND user_id = ?',
  );
  const statusOf = db
    .prepare<[number, number], MemberStatus>('SELECT status FROM group_members WHERE group_id = ? AND user_id = ?')
    .pluck();
  const reinvite = db.prepare<{ group: number; user: number; by: number; now: number } & InviteWindow>(
    `UPDATE group_members SET status = 'invited', invited_by = @by, updated_at = @now,
       invite_count = @invite_count, invite_window_at = @invite_window_at
     WHERE group_id = @group AND user_id = @user AND status = 'declined'`,
  );
  const answer = db.prepare<[MemberStatus, number, number, number]>(
    `UPDATE group_members SET status = ?, updated_at = ?
     WHERE group_id = ? AND user_id = ? AND status = 'invited'`,
  );

  // messages
  type Insert = { from: number; to: number | null; group: number | null; content: string; clientId: string | null; now: number };
  const insertMessage = db.prepare<Insert, MessageRow>(
    `INSERT INTO messages (sender_id, recipient_id, group_id, content, client_id, created_at)
     VALUES (@from, @to, @group, @content, @clientId, @now) RETURNING ${MESSAGE_COLUMNS}`,
  );
  const byClientId = db.prepare<[number, string], MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender_id = ? AND client_id = ?`,
  );
  /**
   * The message stored earlier under (sender, clientId), if any. The same
   * client_id cannot name a private and a group message at once.
   */
  const earlier = (from: number, clientId: string | undefined, kind: 'private' | 'group'): MessageRow | undefined => {
    if (clientId === undefined) return undefined;
    const row = byClientId.get(from, clientId);
    if (row && (row.group_id === null) !== (kind === 'private')) {
      const other = kind === 'private' ? 'group' : 'private';
      throw new ParlorError('bad_request', `client_id ${clientId} was already used for a ${other} message`);
    }
    return row;
  };

  // receipts and read markers
  const delivered = db.prepare<{ id: number; recipient: number; now: number }>(
    'UPDATE messages SET delivered_at = @now WHERE id = @id AND recipient_id = @recipient AND delivered_at IS NULL',
  );
  const messageById = db.prepare<[number], { sender_id: number; recipient_id: number | null }>(
    'SELECT sender_id, recipient_id FROM messages WHERE id = ?',
  );
  const inGroup = db.prepare<[number, number], number>('SELECT 1 FROM messages WHERE id = ? AND group_id = ?').pluck();
  const marker = db
    .prepare<[number, MarkerKind, number], number>(
      'SELECT last_read_id FROM read_markers WHERE user_id = ? AND kind = ? AND target_id = ?',
    )
    .pluck();
  // Forward only: a marker never moves back to an older message.
  const moveMarker = db.prepare<{ user: number; kind: MarkerKind; target: number; id: number; now: number }>(
    `INSERT INTO read_markers (user_id, kind, target_id, last_read_id, updated_at)
     VALUES (@user, @kind, @target, @id, @now)
     ON CONFLICT (user_id, kind, target_id) DO UPDATE
     SET last_read_id = excluded.last_read_id, updated_at = excluded.updated_at
     WHERE excluded.last_read_id > read_markers.last_read_id`,
  );
  // Everything at or below the old marker is read already, so only the
  // range (marker, id] of the conversation is touched.
  const readUpTo = db.prepare<{ lo: number; hi: number; sender: number; after: number; upTo: number; now: number }>(
    `UPDATE messages SET read_at = @now, delivered_at = coalesce(delivered_at, @now)
     WHERE pair_lo = @lo AND pair_hi = @hi AND id > @after AND id <= @upTo
       AND sender_id = @sender AND read_at IS NULL`,
  );

  // notifications
  const insertNotification = db
    .prepare<[number, string, string, string, number], number>(
      'INSERT INTO notifications (user_id, subtype, message, data, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    )
    .pluck();
  const readAllNotifications = db.prepare<{ user: number }>(
    'UPDATE notifications SET read = 1 WHERE user_id = @user AND read = 0',
  );
  // The ids travel as one JSON array, so one prepared statement serves any count.
  const readSomeNotifications = db.prepare<{ user: number; ids: string }>(
    `UPDATE notifications SET read = 1
     WHERE user_id = @user AND read = 0 AND id IN (SELECT value FROM json_each(@ids))`,
  );

  // sessions (express-session)
  const upsertSession = db.prepare<[string, string, number]>(
    `INSERT INTO sessions (sid, sess, expires) VALUES (?, ?, ?)
     ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires = excluded.expires`,
  );
  const removeSession = db.prepare<[string]>('DELETE FROM sessions WHERE sid = ?');
  const extendSession = db.prepare<[number, string]>('UPDATE sessions SET expires = ? WHERE sid = ?');
  const removeAllSessions = db.prepare('DELETE FROM sessions');
  const pruneSessions = db.prepare<[number]>('DELETE FROM sessions WHERE expires <= ?');

  return {
    ...prepareConsentWrites(db),

    createUser(username: string, passwordHash: string, now: number): User {
      try {
        const row = insertUser.get(username, passwordHash, now)!;
        return { id: row.id, username: row.username };
      } catch (err) {
        if (isUniqueViolation(err)) throw new ParlorError('conflict', `the username ${username} is taken`);
        throw err;
      }
    },

    bumpTokenVersion(userId: number): number {
      return bumpVersion.get(userId)!;
    },

    createGroup(ownerId: number, name: string, now: number): Group {
      const group = insertGroup.get(name, ownerId, now)!;
      insertMember.run(group.id, ownerId, 'accepted', null, now);
      return { id: group.id, name: group.name, owner_id: group.owner_id };
    },

    invite(groupId: number, userId: number, invitedBy: number, now: number): void {
      if (groupExists.get(groupId) === undefined) throw new ParlorError('not_found', `group ${groupId} does not exist`);
      const status = statusOf.get(groupId, userId);
      if (status === 'invited' || status === 'accepted') {
        throw new ParlorError('conflict', `user ${userId} is already ${status} in group ${groupId}`);
      }
      const row = { group: groupId, user: userId, by: invitedBy, now };
      if (status === 'declined') reinvite.run({ ...row, ...nextInviteWindow(inviteWindowOf.get(groupId, userId), now, groupId, userId) });
      else insertInvitee.run({ ...row, ...nextInviteWindow(undefined, now, groupId, userId) });
    },

    respond(groupId: number, userId: number, accept: boolean, now: number): boolean {
      return answer.run(accept ? 'accepted' : 'declined', now, groupId, userId).changes === 1;
    },

    savePrivate(input: SavePrivateInput, now: number): Saved<PrivateMessage> {
      const before = earlier(input.from, input.clientId, 'private');
      if (before) return { message: toPrivateMessage(before), duplicate: true };
      const row = insertMessage.get({
        from: input.from,
        to: input.to,
        group: null,
        content: input.content,
        clientId: input.clientId ?? null,
        now,
      })!;
      return { message: toPrivateMessage(row), duplicate: false };
    },

    saveGroup(input: SaveGroupInput, now: number): Saved<GroupMessage> {
      const before = earlier(input.from, input.clientId, 'group');
      if (before) return { message: toGroupMessage(before), duplicate: true };
      const row = insertMessage.get({
        from: input.from,
        to: null,
        group: input.groupId,
        content: input.content,
        clientId: input.clientId ?? null,
        now,
      })!;
      return { message: toGroupMessage(row), duplicate: false };
    },

    /** True only the first time a private message to `recipientId` is marked delivered. */
    markDelivered(messageId: number, recipientId: number, now: number): boolean {
      return delivered.run({ id: messageId, recipient: recipientId, now }).changes === 1;
    },

    /**
     * Marks a private message to `userId`, and every earlier one from the same
     * sender, read; moves the user's marker for that conversation. Null when
     * the message is not a private message to the user.
     */
    markRead(userId: number, messageId: number, now: number): ReadResult | null {
      const m = messageById.get(messageId);
      if (!m || m.recipient_id !== userId) return null;
      const sender = m.sender_id;
      const after = marker.get(userId, 'private', sender) ?? 0;
      if (messageId > after) {
        const pair = { lo: Math.min(userId, sender), hi: Math.max(userId, sender) };
        readUpTo.run({ ...pair, sender, after, upTo: messageId, now });
        moveMarker.run({ user: userId, kind: 'private', target: sender, id: messageId, now });
      }
      return { senderId: sender, messageId };
    },

    /** Moves the user's read marker in a group forward; false when the message is not in that group. */
    markGroupRead(userId: number, groupId: number, messageId: number, now: number): boolean {
      if (inGroup.get(messageId, groupId) === undefined) return false;
      moveMarker.run({ user: userId, kind: 'group', target: groupId, id: messageId, now });
      return true;
    },

    saveNotification(userId: number, subtype: string, message: string, data: Record<string, unknown>, now: number): Notification {
      const json = JSON.stringify(data);
      const id = insertNotification.get(userId, subtype, message, json, now)!;
      return { ...data, id, subtype, message, timestamp: now };
    },

    /** `ids` as a JSON array, or null for every unread notification of the user. */
    markNotificationsRead(userId: number, ids: string | null): number {
      return ids === null
        ? readAllNotifications.run({ user: userId }).changes
        : readSomeNotifications.run({ user: userId, ids }).changes;
    },

    setSession(sid: string, json: string, expires: number): void {
      upsertSession.run(sid, json, expires);
    },

    destroySession(sid: string): void {
      removeSession.run(sid);
    },

    touchSession(sid: string, expires: number): void {
      extendSession.run(expires, sid);
    },

    clearSessions(): void {
      removeAllSessions.run();
    },

    pruneSessions(now: number): number {
      return pruneSessions.run(now).changes;
    },
  };
}

export type SqliteWrites = ReturnType<typeof prepareWrites>;
export type WriteOp = keyof SqliteWrites;
export type WriteArgs<K extends WriteOp> = Parameters<SqliteWrites[K]>;
export type WriteResult<K extends WriteOp> = ReturnType<SqliteWrites[K]>;
