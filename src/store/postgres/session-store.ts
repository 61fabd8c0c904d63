/**
 * express-session store on the same PostgreSQL database: connect-pg-simple,
 * on the stores' pool, with its `session` table created by the migrations
 * (db/postgres/001_init.sql), never by createTableIfMissing.
 *
 * connect-pg-simple only ever calls `pool.query(text, values)`; it gets the
 * PgDatabase's tracked `query`, so the stores' close() also waits for session
 * writes in flight and the same timeouts bound them. Added on top, as the
 * SQLite store has them: `length` and `clear`.
 */
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { later } from '../later.js';
import type { PgDatabase } from './database.js';

export const SESSION_TABLE = 'session';

export interface PgSessionStoreOptions {
  /** How often expired rows are deleted; 0 turns it off (default 15 minutes, randomised by ±50% per instance). */
  pruneIntervalMs?: number;
  logger?: Logger;
}

const PGStore = connectPgSimple(session);

export class PgSessionStore extends PGStore {
  private readonly table: string;

  constructor(
    private readonly db: PgDatabase,
    options: PgSessionStoreOptions = {},
  ) {
    const pruneEvery = options.pruneIntervalMs ?? 15 * 60 * 1000;
    const pool = { query: (text: string, values?: unknown[]) => db.query(text, values) } as unknown as pg.Pool;
    super({
      pool,
      tableName: SESSION_TABLE,
      schemaName: db.schema,
      createTableIfMissing: false,
      pruneSessionInterval: pruneEvery > 0 ? Math.max(1, Math.round(pruneEvery / 1000)) : false,
      errorLog: (...args: unknown[]) => options.logger?.warn({ err: String(args[1] ?? args[0]) }, 'PostgreSQL session store: pruning failed'),
    });
    this.table = `"${db.schema}"."${SESSION_TABLE}"`;
  }

  /** Live sessions: those `get` would return. */
  override length(callback: (err: unknown, length?: number) => void): void {
    this.db
      .rows<{ n: number }>(`SELECT count(*) AS n FROM ${this.table} WHERE expire >= to_timestamp($1)`, [Math.ceil(Date.now() / 1000)])
      .then(
        (rows) => later(callback, null, rows[0]!.n),
        (err: unknown) => later(callback, err),
      );
  }

  /** The ids among `sids` that `get` would find (the session re-check): one query with an array parameter. */
  async liveSessionIds(sids: readonly string[]): Promise<string[]> {
    if (sids.length === 0) return [];
    const rows = await this.db.rows<{ sid: string }>(`SELECT sid FROM ${this.table} WHERE sid = ANY($1::text[]) AND expire >= to_timestamp($2)`, [
      sids,
      Math.ceil(Date.now() / 1000),
    ]);
    return rows.map((r) => r.sid);
  }

  override clear(callback?: (err?: unknown) => void): void {
    this.db.query(`DELETE FROM ${this.table}`).then(
      () => later(callback, null),
      (err: unknown) => later(callback, err),
    );
  }
}
