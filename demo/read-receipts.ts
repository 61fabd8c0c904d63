/**
 * Read receipts both ways: `receipt` frames raise my private messages to
 * delivered / read (or follow my reads on another device), and the page
 * sends `read` for the newest incoming message of the open conversation
 * while the tab is visible; and after a reconnect's sync, the unread counts
 * read again from the server (`sync` replays messages read meanwhile on
 * another device, and each replayed one was counted).
 */
import type { ServerFrame } from '../src/client/index.js';
import { api } from './api.js';
import type { ChatContext, PageContext } from './context.js';
import { groupKey, privateKey, raiseStatus, type Conversation } from './state.js';

export function onReceipt(page: PageContext, r: ServerFrame<'receipt'>): void {
  const { state } = page;
  if (r.user_id === state.me.id) {
    // I read it on another device: this one's counter follows.
    const c = r.group_id !== undefined ? state.conversations.get(groupKey(r.group_id)) : [...state.conversations.values()].find((x) => x.has(r.message_id));
    if (c) {
      c.unread = 0;
      c.readSent = Math.max(c.readSent, r.message_id);
    }
  } else if (r.group_id === undefined) {
    const c = state.conversations.get(privateKey(r.user_id));
    if (!c) return;
    if (r.status === 'delivered') {
      const m = c.get(r.message_id);
      if (m && m.from === state.me.id) raiseStatus(m, 'delivered');
    } else {
      // `read` covers every earlier message to that user too.
      for (const m of c.messages) if (m.from === state.me.id && m.id !== null && m.id <= r.message_id) raiseStatus(m, 'read');
    }
  }
  page.render();
}

/** Tell the server I read the newest incoming message of the open conversation. */
export function markRead({ state, client }: ChatContext, c: Conversation): void {
  c.unread = 0;
  for (let i = c.messages.length - 1; i >= 0; i--) {
    const m = c.messages[i]!;
    if (m.id === null || m.from === state.me.id) continue;
    if (m.id > c.readSent) {
      c.readSent = m.id;
      client.markRead(m.id, c.kind === 'group' ? c.targetId : undefined);
    }
    return;
  }
}

/** Coming back to the tab reads what arrived in the open conversation meanwhile. */
export function wireReadOnVisible(ctx: ChatContext): void {
  document.addEventListener('visibilitychange', () => {
    const c = ctx.state.activeConversation();
    if (c && document.visibilityState === 'visible') {
      markRead(ctx, c);
      ctx.render();
    }
  });
}

/**
 * Each conversation's unread count and read marker from `GET /api/conversations`.
 * A conversation with a message newer than the listing keeps its own count, and
 * the open one is marked read as messages come.
 */
export async function refreshUnreadCounts(page: PageContext): Promise<void> {
  const { state } = page;
  const { conversations } = await api.conversations();
  for (const summary of conversations) {
    const c = state.conversations.get(summary.kind === 'private' ? privateKey(summary.user_id) : groupKey(summary.group_id));
    // The open conversation is marked read as messages come (markRead).
    if (!c || c.lastId > summary.last_message.id || (state.active === c.key && document.visibilityState === 'visible')) continue;
    c.unread = summary.unread;
    if (summary.unread === 0) c.readSent = Math.max(c.readSent, summary.last_message.id);
  }
  page.render();
}
