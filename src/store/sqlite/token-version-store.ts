import type { Database } from 'better-sqlite3';
import type { TokenVersionStore } from '../types.js';
import type { SqliteWriter } from './sqlite-writer.js';

export class SqliteTokenVersionStore implements TokenVersionStore {
  private readonly byUser;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
  ) {
    this.byUser = db.prepare<[number], number>('SELECT version FROM token_versions WHERE user_id = ?').pluck();
  }

  current(userId: number): number {
    return this.byUser.get(userId) ?? 0;
  }

  bump(userId: number): Promise<number> {
    return this.writer.run('bumpTokenVersion', userId);
  }
}
