import type { TokenVersionStore } from '../types.js';
import type { PgDatabase } from './database.js';

export class PgTokenVersionStore implements TokenVersionStore {
  constructor(private readonly db: PgDatabase) {}

  async current(userId: number): Promise<number> {
    const [row] = await this.db.rows<{ version: number }>('SELECT version FROM token_versions WHERE user_id = $1', [userId]);
    return row?.version ?? 0;
  }

  async bump(userId: number): Promise<number> {
    const [row] = await this.db.rows<{ version: number }>(
      `INSERT INTO token_versions (user_id, version) VALUES ($1, 1)
       ON CONFLICT (user_id) DO UPDATE SET version = token_versions.version + 1 RETURNING version`,
      [userId],
    );
    return row!.version;
  }
}
