import type { Database } from 'better-sqlite3';
import { ParlorError } from '../../errors.js';
import { USER_COLUMNS, toUser, type UserRow } from '../rows.js';
import type { User, UserStore, UserWithSecret } from '../types.js';
import type { WriteQueue } from './write-queue.js';

/** True for SQLite's UNIQUE constraint error (better-sqlite3 `SqliteError.code`). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SqliteUserStore implements UserStore {
  private readonly insert;
  private readonly byUsername;
  private readonly byId;
  private readonly bump;

  constructor(
    db: Database,
    private readonly queue: WriteQueue,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare<[string, string, number], UserRow>(
      `INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?) RETURNING ${USER_COLUMNS}`,
    );
    // The column is COLLATE NOCASE, so `=` is case-insensitive and uses the UNIQUE index.
    this.byUsername = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`);
    this.byId = db.prepare<[number], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.bump = db
      .prepare<[number], number>('UPDATE users SET token_version = token_version + 1 WHERE id = ? RETURNING token_version')
      .pluck();
  }

  createUser(username: string, passwordHash: string): Promise<User> {
    return this.queue.enqueue(() => {
      try {
        const row = this.insert.get(username, passwordHash, this.now())!;
        return { id: row.id, username: row.username };
      } catch (err) {
        if (isUniqueViolation(err)) throw new ParlorError('conflict', `the username ${username} is taken`);
        throw err;
      }
    });
  }

  findByUsername(username: string): UserWithSecret | null {
    const row = this.byUsername.get(username);
    return row ? toUser(row) : null;
  }

  findById(id: number): UserWithSecret | null {
    const row = this.byId.get(id);
    return row ? toUser(row) : null;
  }

  bumpTokenVersion(id: number): Promise<number> {
    return this.queue.enqueue(() => {
      const version = this.bump.get(id);
      if (version === undefined) throw new ParlorError('not_found', `user ${id} does not exist`);
      return version;
    });
  }
}
