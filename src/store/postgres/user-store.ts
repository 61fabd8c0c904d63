import { postgresDialect } from '../dialect.js';
import { usernameTaken, usersByIdsSql } from '../domain/users.js';
import { positional } from './named-params.js';
import { ACCOUNT_COLUMNS, USER_COLUMNS, toAccount, toUser, type AccountRow, type UserRow } from '../rows.js';
import type { Account, User, UserStore, UserWithSecret } from '../types.js';
import type { PgDatabase } from './database.js';
import { isUniqueViolation } from './sql-errors.js';

const BY_IDS = positional<{ ids: number[] }>(usersByIdsSql(postgresDialect));

export class PgUserStore implements UserStore {
  constructor(private readonly db: PgDatabase) {}

  /** The unique index on lower(username) makes a name taken in any case a conflict. */
  async createUser(username: string, passwordHash: string): Promise<User> {
    try {
      const [row] = await this.db.rows<UserRow>(
        `INSERT INTO users (username, password_hash) VALUES ($1, $2) RETURNING ${USER_COLUMNS}`,
        [username, passwordHash],
      );
      return { id: row!.id, username: row!.username };
    } catch (err) {
      if (isUniqueViolation(err)) throw usernameTaken(username);
      throw err;
    }
  }

  async deleteUser(id: number): Promise<void> {
    await this.db.query('DELETE FROM users WHERE id = $1', [id]);
  }

  async updatePasswordHash(id: number, passwordHash: string, replacing?: string): Promise<boolean> {
    const changed = await this.db.rows<{ id: number }>(
      'UPDATE users SET password_hash = $1 WHERE id = $2 AND ($3::text IS NULL OR password_hash = $3) RETURNING id',
      [passwordHash, id, replacing ?? null],
    );
    return changed.length > 0;
  }

  async findByUsername(username: string): Promise<UserWithSecret | null> {
    const [row] = await this.db.rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = lower($1)`, [username]);
    return row ? toUser(row) : null;
  }

  async findById(id: number): Promise<UserWithSecret | null> {
    const [row] = await this.db.rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row ? toUser(row) : null;
  }

  async findAccount(id: number): Promise<Account | null> {
    const [row] = await this.db.rows<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row ? toAccount(row) : null;
  }

  async findByIds(ids: readonly number[]): Promise<User[]> {
    return ids.length === 0 ? [] : this.db.rows<User>(BY_IDS.text, BY_IDS.values({ ids: [...ids] }));
  }
}
