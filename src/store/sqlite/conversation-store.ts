import type { Database } from 'better-sqlite3';
import { sqliteDialect } from '../dialect.js';
import { conversationsSql } from '../domain/conversations.js';
import { toConversation, type ConversationRow } from '../rows.js';
import type { Conversation, ConversationStore } from '../types.js';
import { lazyStatement } from './lazy-statement.js';

/** src/store/domain/conversations.ts in SQLite's dialect; exported for the query plan test. */
export const CONVERSATIONS_QUERY = conversationsSql(sqliteDialect);

export class SqliteConversationStore implements ConversationStore {
  private readonly list;

  constructor(db: Database) {
    this.list = lazyStatement(() => db.prepare<{ user: number; groups: string }, ConversationRow>(CONVERSATIONS_QUERY));
  }

  /**
   * Most recent first. `unread` counts messages from others with an id above
   * the user's marker in that conversation (markRead / markGroupRead move it),
   * among the newest UNREAD_CAP such messages (see src/store/unread.ts); in a
   * group the user joined late, older messages count until read.
   */
  conversations(userId: number, groupIds: readonly number[] = []): Conversation[] {
    return this.list().all({ user: userId, groups: JSON.stringify(groupIds) }).map(toConversation);
  }
}
