import type { Database } from 'better-sqlite3';
import { sqliteDialect } from '../dialect.js';
import { TOKEN_VERSION_SQL, tokenVersionsSql, versionsOf } from '../domain/token-versions.js';
import type { TokenVersionStore } from '../types.js';
import type { SqliteWriter } from './sqlite-writer.js';

export class SqliteTokenVersionStore implements TokenVersionStore {
  private readonly byUser;
  private readonly byUsers;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
  ) {
    this.byUser = db.prepare<{ user: number }, number>(TOKEN_VERSION_SQL).pluck();
    this.byUsers = db.prepare<{ users: string }, { user_id: number; version: number }>(tokenVersionsSql(sqliteDialect));
  }

  current(userId: number): number {
    return this.byUser.get({ user: userId }) ?? 0;
  }

  currentOf(userIds: readonly number[]): Map<number, number> {
    return versionsOf(userIds, userIds.length === 0 ? [] : this.byUsers.all({ users: JSON.stringify(userIds) }));
  }

  bump(userId: number): Promise<number> {
    return this.writer.run('bumpTokenVersion', userId);
  }
}
