/**
 * Read receipts both ways: `receipt` frames raise my private messages to
 * delivered / read (or follow my reads on another device), and the page
 * sends `read` for the newest incoming message of the open conversation
 * while the tab is visible.
 */
import type { ServerFrame } from '../src/client/index.js';
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
