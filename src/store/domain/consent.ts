/**
 * Blocks and message requests (contract section 6): the reads both stores
 * make with the same SQL. Parameters: @user, @peer.
 */
import type { Dialect } from '../dialect.js';
import { SHARE_AN_ACCEPTED_GROUP } from './groups.js';

/**
 * The relation of `user` to `peer` (parameters or columns) as the five
 * columns of ConsentStore's Relation: four primary-key lookups and the user's
 * group memberships (group_members_by_user). SQLite selects them for one
 * pair (RELATION_SQL); PostgreSQL for a batch of pairs at once.
 */
export function relationColumns(user: string, peer: string): string {
  return `
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = ${user} AND blocked_id = ${peer}) AS blocking,
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = ${peer} AND blocked_id = ${user}) AS "blockedBy",
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = ${user} AND peer_id = ${peer}) AS wrote,
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = ${peer} AND peer_id = ${user}) AS "peerWrote",
    ${SHARE_AN_ACCEPTED_GROUP(user, peer)} AS "shareGroup"`;
}

/** The relation of @user to @peer, in one statement: all a private message needs to know. */
export const RELATION_SQL = `SELECT ${relationColumns('@user', '@peer')}`;

/** The users the user blocked, most recent first. */
export const BLOCKED_BY_SQL = `SELECT blocked_id AS user_id, created_at AS since FROM user_blocks
  WHERE blocker_id = @user ORDER BY created_at DESC, blocked_id DESC`;

/** Everyone blocked by the user or blocking the user. */
export const BLOCKED_EITHER_WAY_SQL =
  'SELECT blocked_id AS id FROM user_blocks WHERE blocker_id = @user UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = @user';

/** @user blocks @peer; a block that exists already changes nothing (and its `since` stays). */
export function blockSql(d: Dialect): string {
  return `INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (@user, @peer, ${d.now}) ON CONFLICT DO NOTHING`;
}

/**
 * @user has written to @peer: what the trigger on messages records for
 * Parlor's own messages, said by the Manager when a host's MessagePersister
 * stores them elsewhere. Both dialects take ON CONFLICT DO NOTHING.
 */
export const RECORD_WRITE_SQL = 'INSERT INTO private_writers (user_id, peer_id) VALUES (@user, @peer) ON CONFLICT DO NOTHING';

export const UNBLOCK_SQL = 'DELETE FROM user_blocks WHERE blocker_id = @user AND blocked_id = @peer';
