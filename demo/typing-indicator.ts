/**
 * The typing indicator: send `typing` at most every 2 s while I type, show
 * "bob is typing…" from `is_typing: true` until `is_typing: false` (or the
 * message, or a stale timer).
 */
import type { ServerFrame } from '../src/client/index.js';
import type { ChatApp } from './chat-app.js';
import { byId, setText } from './dom.js';
import { groupKey, privateKey, type ChatState, type Conversation } from './state.js';

/** Resend `typing` this often while the user keeps typing (the server forgets it after 3 s). */
const TYPING_EVERY_MS = 2_000;
/** Forget a typist if `is_typing: false` never arrives (it should, 3 s after their last frame). */
const TYPING_STALE_MS = 6_000;

export function onTyping(app: ChatApp, t: ServerFrame<'typing'>): void {
  if (t.from === app.state.me.id) return;
  // Only where a conversation is already listed: typing alone does not start one.
  const c = app.state.conversations.get(t.group_id !== undefined ? groupKey(t.group_id) : privateKey(t.from));
  if (!c) return;
  stopTypingOf(c, t.from);
  if (t.is_typing) {
    c.typing.set(
      t.from,
      setTimeout(() => {
        c.typing.delete(t.from);
        app.render();
      }, TYPING_STALE_MS),
    );
  }
  app.render();
}

export function stopTypingOf(c: Conversation, userId: number): void {
  clearTimeout(c.typing.get(userId));
  c.typing.delete(userId);
}

export function sendTyping(app: ChatApp, isTyping: boolean): void {
  const c = app.activeConversation();
  if (!c || (c.kind === 'private' && c.targetId === app.state.me.id)) return;
  const now = Date.now();
  if (isTyping && now - app.lastTypingSent < TYPING_EVERY_MS) return;
  if (!isTyping && app.lastTypingSent === 0) return;
  app.lastTypingSent = isTyping ? now : 0;
  app.client.typing(c.kind === 'group' ? { group_id: c.targetId } : { to: c.targetId }, isTyping);
}

/** The "… is typing" line under the message list. */
export class TypingView {
  private readonly typing = byId('typing');

  constructor(private readonly state: ChatState) {}

  render(): void {
    const c = this.state.active ? this.state.conversations.get(this.state.active) : undefined;
    const names = c ? [...c.typing.keys()].map((id) => this.state.nameOf(id)) : [];
    setText(
      this.typing,
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`,
    );
  }
}
