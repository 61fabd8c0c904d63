import type { Database } from 'better-sqlite3';
import { sqliteDialect } from '../dialect.js';
import { usersByIdsSql } from '../domain/users.js';
import { USER_COLUMNS, toUser, type UserRow } from '../rows.js';
import type { User, UserStore, UserWithSecret } from '../types.js';
import type { SqliteWriter } from './sqlite-writer.js';

export class SqliteUserStore implements UserStore {
  private readonly byUsername;
  private readonly byId;
  private readonly byIds;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
  ) {
    // The column is COLLATE NOCASE, so `=` is case-insensitive and uses the UNIQUE index.
    this.byUsername = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`);
    this.byId = db.prepare<[number], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.byIds = db.prepare<{ ids: string }, User>(usersByIdsSql(sqliteDialect));
  }

  createUser(username: string, passwordHash: string): Promise<User> {
    return this.writer.run('createUser', username, passwordHash, this.now());
  }

  deleteUser(id: number): Promise<void> {
    return this.writer.run('deleteUser', id);
  }

  updatePasswordHash(id: number, passwordHash: string): Promise<void> {
    return this.writer.run('updatePasswordHash', id, passwordHash);
  }

  findByUsername(username: string): UserWithSecret | null {
    const row = this.byUsername.get(username);
    return row ? toUser(row) : null;
  }

  findById(id: number): UserWithSecret | null {
    const row = this.byId.get(id);
    return row ? toUser(row) : null;
  }

  findByIds(ids: readonly number[]): User[] {
    return ids.length === 0 ? [] : this.byIds.all({ ids: JSON.stringify(ids) });
  }
}
