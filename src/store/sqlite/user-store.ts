import type { Database } from 'better-sqlite3';
import { sqliteDialect } from '../dialect.js';
import { usersByIdsSql } from '../domain/users.js';
import { ACCOUNT_COLUMNS, USER_COLUMNS, toAccount, toUser, type AccountRow, type UserRow } from '../rows.js';
import type { Account, User, UserStore, UserWithSecret } from '../types.js';
import type { SqliteWriter } from './sqlite-writer.js';

export class SqliteUserStore implements UserStore {
  private readonly byUsername;
  private readonly byId;
  private readonly accountById;
  private readonly byIds;

  constructor(
    db: Database,
    private readonly writer: SqliteWriter,
    private readonly now: () => number,
  ) {
    // The column is COLLATE NOCASE, so `=` is case-insensitive and uses the UNIQUE index.
    this.byUsername = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`);
    this.byId = db.prepare<[number], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.accountById = db.prepare<[number], AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM users WHERE id = ?`);
    this.byIds = db.prepare<{ ids: string }, User>(usersByIdsSql(sqliteDialect));
  }

  createUser(username: string, passwordHash: string): Promise<User> {
    return this.writer.run('createUser', username, passwordHash, this.now());
  }

  deleteUser(id: number): Promise<void> {
    return this.writer.run('deleteUser', id);
  }

  updatePasswordHash(id: number, passwordHash: string, replacing?: string): Promise<boolean> {
    return this.writer.run('updatePasswordHash', id, passwordHash, replacing ?? null);
  }

  findByUsername(username: string): UserWithSecret | null {
    const row = this.byUsername.get(username);
    return row ? toUser(row) : null;
  }

  findById(id: number): UserWithSecret | null {
    const row = this.byId.get(id);
    return row ? toUser(row) : null;
  }

  findAccount(id: number): Account | null {
    const row = this.accountById.get(id);
    return row ? toAccount(row) : null;
  }

  findByIds(ids: readonly number[]): User[] {
    return ids.length === 0 ? [] : this.byIds.all({ ids: JSON.stringify(ids) });
  }
}
