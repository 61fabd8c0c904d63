import type { BlockedUser, ConsentStore, Relation } from '../../websocket/consent-store.js';
import { postgresDialect } from '../dialect.js';
import { BLOCKED_BY_SQL, BLOCKED_EITHER_WAY_SQL, blockSql, RECORD_WRITE_SQL, relationColumns, UNBLOCK_SQL } from '../domain/consent.js';
import { PRIVATE_CONTACTS_SQL } from '../domain/groups.js';
import type { PgDatabase } from './database.js';
import { positional } from './named-params.js';
import { StatementQueue } from './statement-queue.js';

const BLOCKED_BY = positional<{ user: number }>(BLOCKED_BY_SQL);
const BLOCKED_EITHER_WAY = positional<{ user: number }>(BLOCKED_EITHER_WAY_SQL);
const BLOCK = positional<{ user: number; peer: number }>(blockSql(postgresDialect));
const UNBLOCK = positional<{ user: number; peer: number }>(UNBLOCK_SQL);
const RECORD_WRITE = positional<{ user: number; peer: number }>(RECORD_WRITE_SQL);
const PRIVATE_CONTACTS = positional<{ user: number }>(PRIVATE_CONTACTS_SQL);

/**
 * The relations of a batch of (user, peer) pairs in one round trip
 * (src/store/domain/consent.ts), one row per pair in pair order. Every private
 * message, typing frame and receipt asks for one relation; the asks of a tick
 * (and those made while a batch is on its way) leave together.
 */
export const RELATIONS_QUERY = `
  SELECT ${relationColumns('p.user_id', 'p.peer_id')}
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
    const result = await this.db.query(BLOCK.text, BLOCK.values({ user: userId, peer: peerId }));
    return (result.rowCount ?? 0) > 0;
  }

  async unblock(userId: number, peerId: number): Promise<boolean> {
    const result = await this.db.query(UNBLOCK.text, UNBLOCK.values({ user: userId, peer: peerId }));
    return (result.rowCount ?? 0) > 0;
  }

  async recordWrite(userId: number, peerId: number): Promise<void> {
    await this.db.query(RECORD_WRITE.text, RECORD_WRITE.values({ user: userId, peer: peerId }));
  }

  async blockedEitherWay(userId: number): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(BLOCKED_EITHER_WAY.text, BLOCKED_EITHER_WAY.values({ user: userId }));
    return rows.map((r) => r.id);
  }

  async privateContactsOf(userId: number): Promise<number[]> {
    const rows = await this.db.rows<{ id: number }>(PRIVATE_CONTACTS.text, PRIVATE_CONTACTS.values({ user: userId }));
    return rows.map((r) => r.id);
  }

  async blockedBy(userId: number): Promise<BlockedUser[]> {
    return this.db.rows<BlockedUser>(BLOCKED_BY.text, BLOCKED_BY.values({ user: userId }));
  }

  /** Settles the reads already asked for; refuses new ones. */
  close(): Promise<void> {
    return this.relations.close();
  }
}
