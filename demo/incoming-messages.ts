/**
 * A `private` or `group` message from the client (live, or replayed by
 * `sync`): into its conversation once, counted unread or marked read,
 * announced, and the contact and member lists brought up to date.
 */
import type { GroupMessage, PrivateMessage } from '../src/client/index.js';
import { announce } from './announcer.js';
import type { ChatContext } from './context.js';
import { loadMembers, refreshGroups } from './groups.js';
import { refreshOnline } from './presence.js';
import { markRead } from './read-receipts.js';
import { fromFrame } from './state.js';
import { stopTypingOf } from './typing-indicator.js';

export function onMessage(ctx: ChatContext, m: PrivateMessage | GroupMessage): void {
  const { state } = ctx;
  const c = state.conversation(state.keyOf(m));
  const wasContact = c.kind === 'private' && c.stored > 0;
  if (!c.add(fromFrame(m))) return;
  const mine = m.from === state.me.id;
  // A stranger's first message opens a message request (the server's rule: no shared group, no reply yet).
  if (c.kind === 'private' && !wasContact && !mine && !state.sharesGroupWith(m.from)) c.request = true;
  stopTypingOf(c, m.from);
  if (!mine) {
    if (state.active === c.key && document.visibilityState === 'visible') markRead(ctx, c);
    else c.unread++;
    announce(`${state.nameOf(m.from)}${c.kind === 'group' ? ` in ${state.titleOf(c)}` : ''}: ${m.content}`);
  }
  if (c.kind === 'private' && !wasContact) void refreshOnline(ctx);
  if (c.kind === 'group' && state.groups.get(c.targetId)?.status !== 'accepted') void refreshGroups(ctx); // joined in another tab
  else if (c.kind === 'group' && !state.members.get(c.targetId)?.some((x) => x.id === m.from && x.status === 'accepted')) {
    void loadMembers(ctx, c.targetId).then(() => refreshOnline(ctx));
  }
  ctx.render();
}
