import { postgresDialect } from '../dialect.js';
import { BUMP_TOKEN_VERSION_SQL, TOKEN_VERSION_SQL, tokenVersionsSql, versionsOf } from '../domain/token-versions.js';
import type { TokenVersionStore } from '../types.js';
import type { PgDatabase } from './database.js';
import { positional } from './named-params.js';

const CURRENT = positional<{ user: number }>(TOKEN_VERSION_SQL);
const BUMP = positional<{ user: number }>(BUMP_TOKEN_VERSION_SQL);
const CURRENT_OF = positional<{ users: readonly number[] }>(tokenVersionsSql(postgresDialect));

export class PgTokenVersionStore implements TokenVersionStore {
  constructor(private readonly db: PgDatabase) {}

  async current(userId: number): Promise<number> {
    const [row] = await this.db.rows<{ version: number }>(CURRENT.text, CURRENT.values({ user: userId }));
    return row?.version ?? 0;
  }

  async currentOf(userIds: readonly number[]): Promise<Map<number, number>> {
    if (userIds.length === 0) return new Map();
    return versionsOf(userIds, await this.db.rows<{ user_id: number; version: number }>(CURRENT_OF.text, CURRENT_OF.values({ users: userIds })));
  }

  async bump(userId: number): Promise<number> {
    const [row] = await this.db.rows<{ version: number }>(BUMP.text, BUMP.values({ user: userId }));
    return row!.version;
  }
}
