import type { Database } from 'better-sqlite3';
import { TOKEN_VERSION_SQL } from '../domain/token-versions.js';
import type { TokenVersionStore } from '../types.js';
import type { SqliteWriter } from './sqlite-writer.js';

export class SqliteTokenVersionStore implements TokenVersionStore {
  private readonly byUser;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
  ) {
    this.byUser = db.prepare<{ user: number }, number>(TOKEN_VERSION_SQL).pluck();
  }

  current(userId: number): number {
    return this.byUser.get({ user: userId }) ?? 0;
  }

  bump(userId: number): Promise<number> {
    return this.writer.run('bumpTokenVersion', userId);
  }
}
