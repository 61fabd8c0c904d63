/**
 * What a failed query means: PostgreSQL's SQLSTATE codes the stores turn into
 * ParlorErrors, and whether a connection is still fit for the next statement.
 */
import pg from 'pg';
import { isParlorError, ParlorError } from '../../errors.js';

/** SQLSTATE codes the stores act on (PostgreSQL appendix A). */
export const SqlState = {
  unique_violation: '23505',
  /** Text with a NUL character (U+0000): PostgreSQL text cannot hold it. */
  character_not_in_repertoire: '22021',
  /** `\u0000` inside JSONB. */
  untranslatable_character: '22P05',
} as const;

/** An error the server sent back: the connection itself is fine and in sync. */
export function isServerError(err: unknown): err is pg.DatabaseError {
  return err instanceof pg.DatabaseError;
}

export function isUniqueViolation(err: unknown): boolean {
  return isServerError(err) && err.code === SqlState.unique_violation;
}

/**
 * The statement failed because of its own data (class 22 data exception, 23
 * integrity constraint), or our code refused it: rolling back to a savepoint
 * undoes it and the transaction goes on. Anything else (connection lost, a
 * timeout, the server shutting down) fails the whole transaction.
 */
export function failsAlone(err: unknown): boolean {
  if (isParlorError(err)) return true;
  return isServerError(err) && typeof err.code === 'string' && (err.code.startsWith('22') || err.code.startsWith('23'));
}

/**
 * The connection can still run a ROLLBACK and go back to the pool: the error
 * was ours or the server's. After a client-side timeout or a lost socket it
 * cannot, and is destroyed instead (the server rolls back on disconnect).
 */
export function connectionUsable(err: unknown): boolean {
  return isParlorError(err) || isServerError(err);
}

/**
 * Input PostgreSQL cannot store, as the client's error rather than ours: a
 * NUL character (U+0000) in a message, a group name or a notification. SQLite
 * stores it; PostgreSQL text cannot, and an `internal` error would make a
 * client resend the same frame forever.
 */
export function asInputError(err: unknown): unknown {
  if (isServerError(err) && (err.code === SqlState.character_not_in_repertoire || err.code === SqlState.untranslatable_character)) {
    return nulCharacterError();
  }
  return err;
}

/** The client's error for text with a NUL character, whether PostgreSQL refused it or we saw it first. */
export function nulCharacterError(): ParlorError {
  return new ParlorError('bad_request', 'text cannot contain the NUL character (U+0000)');
}
