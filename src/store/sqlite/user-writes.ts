import type { Database } from 'better-sqlite3';
import { usernameTaken } from '../domain/users.js';
import { USER_COLUMNS, type UserRow } from '../rows.js';
import type { User } from '../types.js';

/** True for SQLite's UNIQUE constraint error (better-sqlite3 `SqliteError.code`). */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** The writes of Parlor's own accounts (the rules of writes.ts). */
export function prepareUserWrites(db: Database) {
  const insertUser = db.prepare<[string, string, number], UserRow>(
    `INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?) RETURNING ${USER_COLUMNS}`,
  );
  const deleteUser = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
  const updatePasswordHash = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
  const replacePasswordHash = db.prepare<[string, number, string]>('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?');
  return {
    createUser(username: string, passwordHash: string, now: number): User {
      try {
        const row = insertUser.get(username, passwordHash, now)!;
        return { id: row.id, username: row.username };
      } catch (err) {
        if (isUniqueViolation(err)) throw usernameTaken(username);
        throw err;
      }
    },
    deleteUser(id: number): void {
      deleteUser.run(id);
    },
    updatePasswordHash(id: number, passwordHash: string, replacing: string | null): boolean {
      const changed = replacing === null ? updatePasswordHash.run(passwordHash, id) : replacePasswordHash.run(passwordHash, id, replacing);
      return changed.changes > 0;
    },
  };
}
