import { postgresDialect } from '../dialect.js';
import { conversationsSql } from '../domain/conversations.js';
import { toConversation, type ConversationRow } from '../rows.js';
import type { Conversation, ConversationStore } from '../types.js';
import type { PgDatabase } from './database.js';
import { positional } from './named-params.js';

const CONVERSATIONS = positional<{ user: number; groups: number[] }>(conversationsSql(postgresDialect));
/** src/store/domain/conversations.ts in PostgreSQL's dialect ($1: the user, $2: a host's group ids); exported for the query plan test. */
export const CONVERSATIONS_QUERY = CONVERSATIONS.text;

export class PgConversationStore implements ConversationStore {
  constructor(private readonly db: PgDatabase) {}

  /**
   * Most recent first. `unread` counts messages from others with an id above
   * the user's marker in that conversation (markRead / markGroupRead move it),
   * among the newest UNREAD_CAP such messages (see src/store/unread.ts); in a
   * group the user joined late, older messages count until read.
   */
  async conversations(userId: number, groupIds: readonly number[] = []): Promise<Conversation[]> {
    const rows = await this.db.rows<ConversationRow>(CONVERSATIONS_QUERY, CONVERSATIONS.values({ user: userId, groups: [...groupIds] }));
    return rows.map(toConversation);
  }
}
