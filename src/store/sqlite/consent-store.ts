import type { Database } from 'better-sqlite3';
import type { BlockedUser, ConsentStore, Relation } from '../../websocket/consent-store.js';
import { lazyStatement } from './lazy-statement.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** Four primary-key lookups and the user's group memberships (group_members_by_user), in one statement: the whole relation for one private message. */
export const RELATION_QUERY = `
  SELECT
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = @user AND blocked_id = @peer) AS blocking,
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = @peer AND blocked_id = @user) AS blockedBy,
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = @user AND peer_id = @peer) AS wrote,
    EXISTS (SELECT 1 FROM private_writers WHERE user_id = @peer AND peer_id = @user) AS peerWrote,
    EXISTS (SELECT 1 FROM group_members me
      JOIN group_members other ON other.group_id = me.group_id AND other.user_id = @peer AND other.status = 'accepted'
      WHERE me.user_id = @user AND me.status = 'accepted') AS shareGroup`;

type RelationRow = Record<keyof Relation, 0 | 1>;

export class SqliteConsentStore implements ConsentStore {
  private readonly relationOf;
  private readonly blockedList;
  private readonly eitherWay;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
  ) {
    this.relationOf = lazyStatement(() => db.prepare<{ user: number; peer: number }, RelationRow>(RELATION_QUERY));
    this.blockedList = lazyStatement(() =>
      db.prepare<[number], BlockedUser>(
      'SELECT blocked_id AS user_id, created_at AS since FROM user_blocks WHERE blocker_id = ? ORDER BY created_at DESC, blocked_id DESC',
      ),
    );
    this.eitherWay = lazyStatement(() =>
      db
        .prepare<{ user: number }, number>(
          'SELECT blocked_id FROM user_blocks WHERE blocker_id = @user UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = @user',
        )
        .pluck(),
    );
  }

  relation(userId: number, peerId: number): Relation {
    const r = this.relationOf().get({ user: userId, peer: peerId })!;
    return { blocking: r.blocking === 1, blockedBy: r.blockedBy === 1, wrote: r.wrote === 1, peerWrote: r.peerWrote === 1, shareGroup: r.shareGroup === 1 };
  }

  block(userId: number, peerId: number): Promise<boolean> {
    return this.writer.run('block', userId, peerId, this.now());
  }

  unblock(userId: number, peerId: number): Promise<boolean> {
    return this.writer.run('unblock', userId, peerId);
  }

  blockedBy(userId: number): BlockedUser[] {
    return this.blockedList().all(userId);
  }

  blockedEitherWay(userId: number): number[] {
    return this.eitherWay().all({ user: userId });
  }
}
