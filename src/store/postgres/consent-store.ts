import type { BlockedUser, ConsentStore, Relation } from '../../websocket/consent-store.js';
import type { PgDatabase } from './database.js';
import { StatementQueue } from './statement-queue.js';

/**
 * The relations of a batch of (user, peer) pairs in one round trip: per pair
 * four primary-key lookups and the user's group memberships
 * (group_members_by_user), one row per pair in pair order. Every private
 * message, typing frame and receipt asks for one relation; the asks of a tick
 * (and those made while a batch is on its way) leave together.
 */
export const RELATIONS_QUERY = `
  SELECT
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = p.user_id AND blocked_id = p.peer_id) AS blocking,
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = p.peer_id AND blocked_id = p.user_id) AS "blockedBy",
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = p.user_id AND peer_id = p.peer_id) AS wrote,
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = p.peer_id AND peer_id = p.user_id) AS "peerWrote",
    EXISTS (SELECT 1 FROM group_members me
      JOIN group_members other ON other.group_id = me.group_id AND other.user_id = p.peer_id AND other.status = 'accepted'
      WHERE me.user_id = p.user_id AND me.status = 'accepted') AS "shareGroup"
  FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS p (user_id, peer_id, n)
  ORDER BY p.n`;

interface Pair {
  userId: number;
  peerId: number;
}

export class PgConsentStore implements ConsentStore {
  /**
   * Batched reads. A read enqueued after a write returned (a block, a stored
   * message) leaves in a later statement, so it sees that write, exactly as
   * a read of its own would: batching changes the round trips, not the answers.
   */
  readonly relations: StatementQueue<Pair, Relation>;

  constructor(private readonly db: PgDatabase) {
    this.relations = new StatementQueue(async (pairs) => {
      const rows = await db.rows<Relation>(RELATIONS_QUERY, [pairs.map((p) => p.userId), pairs.map((p) => p.peerId)]);
      return rows.map((value) => ({ ok: true, value }));
    });
  }

  relation(userId: number, peerId: number): Promise<Relation> {
    return this.relations.enqueue({ userId, peerId });
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

  /** Settles the reads already asked for; refuses new ones. */
  close(): Promise<void> {
    return this.relations.close();
  }
}
