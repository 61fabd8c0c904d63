import { postgresDialect } from '../dialect.js';
import { conversationsSql } from '../domain/conversations.js';
import { toConversation, type ConversationRow } from '../rows.js';
import type { Conversation, ConversationStore } from '../types.js';
import type { PgDatabase } from './database.js';
import { positional } from './named-params.js';

/** src/store/domain/conversations.ts in PostgreSQL's dialect (one parameter, $1: the user); exported for the query plan test. */
export const CONVERSATIONS_QUERY = positional(conversationsSql(postgresDialect)).text;

export class PgConversationStore implements ConversationStore {
  constructor(private readonly db: PgDatabase) {}

  /**
   * Most recent first. `unread` counts messages from others with an id above
   * the user's marker in that conversation (markRead / markGroupRead move it),
   * among the newest UNREAD_CAP such messages (see src/store/unread.ts); in a
   * group the user joined late, older messages count until read.
   */
  async conversations(userId: number): Promise<Conversation[]> {
    const rows = await this.db.rows<ConversationRow>(CONVERSATIONS_QUERY, [userId]);
    return rows.map(toConversation);
  }
}
