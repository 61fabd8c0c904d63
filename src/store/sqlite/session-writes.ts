import type { Database } from 'better-sqlite3';

/** The writes of express-session rows (the rules of writes.ts). */
export function prepareSessionWrites(db: Database) {
  const upsertSession = db.prepare<[string, string, number]>(
    `INSERT INTO sessions (sid, sess, expires) VALUES (?, ?, ?)
     ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires = excluded.expires`,
  );
  const removeSession = db.prepare<[string]>('DELETE FROM sessions WHERE sid = ?');
  const extendSession = db.prepare<[number, string]>('UPDATE sessions SET expires = ? WHERE sid = ?');
  const removeAllSessions = db.prepare('DELETE FROM sessions');
  const removeExpired = db.prepare<[number]>('DELETE FROM sessions WHERE expires <= ?');
  // A scan of the table (no index on the JSON's userId): a rare action of one user, on a table that expiry keeps small.
  // Compared as PostgreSQL's `sess->>'userId' = '7'` compares: as text, so a userId written in digits ("7", as a
  // host's store may keep it and asUserId reads it) is user 7 on both stores. Only a JSON integer or string: SQLite
  // would give `true` as 1, and a real (7.0) as '7.0', which matches no id on either store.
  const removeUserSessions = db
    .prepare<[string, string | null], string>(
      `DELETE FROM sessions
       WHERE json_type(sess, '$.userId') IN ('integer', 'text') AND CAST(json_extract(sess, '$.userId') AS TEXT) = ?
         AND sid IS NOT ? RETURNING sid`,
    )
    .pluck();
  return {
    setSession(sid: string, json: string, expires: number): void {
      upsertSession.run(sid, json, expires);
    },

    destroySession(sid: string): void {
      removeSession.run(sid);
    },

    touchSession(sid: string, expires: number): void {
      extendSession.run(expires, sid);
    },

    clearSessions(): void {
      removeAllSessions.run();
    },

    /** Every session of the user but `exceptSid`; the ids deleted. */
    destroyUserSessions(userId: number, exceptSid: string | null): string[] {
      return removeUserSessions.all(String(userId), exceptSid);
    },

    pruneSessions(now: number): number {
      return removeExpired.run(now).changes;
    },
  };
}
