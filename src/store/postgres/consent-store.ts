import type { BlockedUser, ConsentStore, Relation } from '../../websocket/consent-store.js';
import type { PgDatabase } from './database.js';

/** Four primary-key lookups and the user's group memberships (group_members_by_user), in one round trip: the whole relation for one private message. */
export const RELATION_QUERY = `
  SELECT
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocking,
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $2 AND blocked_id = $1) AS "blockedBy",
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = $1 AND peer_id = $2) AS wrote,
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = $2 AND peer_id = $1) AS "peerWrote",
    EXISTS (SELECT 1 FROM group_members me
      JOIN group_members other ON other.group_id = me.group_id AND other.user_id = $2 AND other.status = 'accepted'
      WHERE me.user_id = $1 AND me.status = 'accepted') AS "shareGroup"`;

export class PgConsentStore implements ConsentStore {
  constructor(private readonly db: PgDatabase) {}

  async relation(userId: number, peerId: number): Promise<Relation> {
    const [row] = await this.db.rows<Relation>(RELATION_QUERY, [userId, peerId]);
    return row!;
  }

  async block(userId: number, peerId: number): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, parlor_now_ms())
       ON CONFLICT DO NOTHING`,
      [userId, peerId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async unblock(userId: number, peerId: number): Promise<boolean> {
    const result = await this.db.query('DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2', [userId, peerId]);
    return (result.rowCount ?? 0) > 0;
  }

  async blockedEitherWay(userId: number): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(
      'SELECT blocked_id AS id FROM user_blocks WHERE blocker_id = $1 UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1',
      [userId],
    );
    return rows.map((r) => r.id);
  }

  async blockedBy(userId: number): Promise<BlockedUser[]> {
    return this.db.rows<BlockedUser>(
      `SELECT blocked_id AS user_id, created_at AS since FROM user_blocks
       WHERE blocker_id = $1 ORDER BY created_at DESC, blocked_id DESC`,
      [userId],
    );
  }
}
