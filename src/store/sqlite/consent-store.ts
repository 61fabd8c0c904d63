import type { Database } from 'better-sqlite3';
import type { BlockedUser, ConsentStore, Relation } from '../../websocket/consent-store.js';
import { BLOCKED_BY_SQL, BLOCKED_EITHER_WAY_SQL, RELATION_SQL } from '../domain/consent.js';
import { PRIVATE_CONTACTS_SQL } from '../domain/groups.js';
import { lazyStatement } from './lazy-statement.js';
import type { RelationCache } from './relation-cache.js';
import type { SqliteWriter } from './sqlite-writer.js';

type RelationRow = Record<keyof Relation, 0 | 1>;

export class SqliteConsentStore implements ConsentStore {
  private readonly relationOf;
  private readonly blockedList;
  private readonly eitherWay;
  private readonly privateContacts;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
    /** Null: every relation() reads the database. Kept current by the writer's afterCommit (relation-cache.ts). */
    private readonly relations: RelationCache | null = null,
  ) {
    this.relationOf = lazyStatement(() => db.prepare<{ user: number; peer: number }, RelationRow>(RELATION_SQL));
    this.blockedList = lazyStatement(() => db.prepare<{ user: number }, BlockedUser>(BLOCKED_BY_SQL));
    this.eitherWay = lazyStatement(() => db.prepare<{ user: number }, number>(BLOCKED_EITHER_WAY_SQL).pluck());
    this.privateContacts = lazyStatement(() => db.prepare<{ user: number }, number>(PRIVATE_CONTACTS_SQL).pluck());
  }

  relation(userId: number, peerId: number): Relation {
    if (!this.relations) return this.readRelation(userId, peerId);
    return this.relations.get(userId, peerId) ?? this.relations.keep(userId, peerId, this.readRelation(userId, peerId));
  }

  block(userId: number, peerId: number): Promise<boolean> {
    return this.writer.run('block', userId, peerId, this.now());
  }

  unblock(userId: number, peerId: number): Promise<boolean> {
    return this.writer.run('unblock', userId, peerId);
  }

  recordWrite(userId: number, peerId: number): Promise<void> {
    return this.writer.run('recordWrite', userId, peerId);
  }

  private readRelation(userId: number, peerId: number): Relation {
    const r = this.relationOf().get({ user: userId, peer: peerId })!;
    return { blocking: r.blocking === 1, blockedBy: r.blockedBy === 1, wrote: r.wrote === 1, peerWrote: r.peerWrote === 1, shareGroup: r.shareGroup === 1 };
  }

  blockedBy(userId: number): BlockedUser[] {
    return this.blockedList().all({ user: userId });
  }

  blockedEitherWay(userId: number): number[] {
    return this.eitherWay().all({ user: userId });
  }

  privateContactsOf(userId: number): number[] {
    return this.privateContacts().all({ user: userId });
  }
}
