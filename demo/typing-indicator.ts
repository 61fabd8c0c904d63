/**
 * The typing indicator: send `typing` at most every 2 s while I type, show
 * "bob is typing…" from `is_typing: true` until `is_typing: false` (or the
 * message, or a stale timer).
 */
import type { ServerFrame } from '../src/client/index.js';
import type { ChatContext, PageContext } from './context.js';
import { byId, setText } from './dom.js';
import { groupKey, privateKey, type ChatState, type Conversation } from './state.js';

/** Resend `typing` this often while the user keeps typing (the server forgets it after 3 s). */
const TYPING_EVERY_MS = 2_000;
/** Forget a typist if `is_typing: false` never arrives (it should, 3 s after their last frame). */
const TYPING_STALE_MS = 6_000;

export function onTyping(page: PageContext, t: ServerFrame<'typing'>): void {
  if (t.from === page.state.me.id) return;
  // Only where a conversation is already listed: typing alone does not start one.
  const c = page.state.conversations.get(t.group_id !== undefined ? groupKey(t.group_id) : privateKey(t.from));
  if (!c) return;
  stopTypingOf(c, t.from);
  if (t.is_typing) {
    c.typing.set(
      t.from,
      setTimeout(() => {
        c.typing.delete(t.from);
        page.render();
      }, TYPING_STALE_MS),
    );
  }
  page.render();
}

export function stopTypingOf(c: Conversation, userId: number): void {
  clearTimeout(c.typing.get(userId));
  c.typing.delete(userId);
}

/** My side of the indicator: `typing` frames for the open conversation, at most every 2 s. */
export class TypingSender {
  /** When I last sent `typing: true` (0: the indicator is off). */
  private lastSent = 0;

  constructor(private readonly ctx: ChatContext) {}

  /** I am typing, or stopped (left the box, or switched conversations). */
  send(isTyping: boolean): void {
    const { state, client } = this.ctx;
    const c = state.activeConversation();
    if (!c || (c.kind === 'private' && c.targetId === state.me.id)) return;
    const now = Date.now();
    if (isTyping && now - this.lastSent < TYPING_EVERY_MS) return;
    if (!isTyping && this.lastSent === 0) return;
    this.lastSent = isTyping ? now : 0;
    client.typing(c.kind === 'group' ? { group_id: c.targetId } : { to: c.targetId }, isTyping);
  }

  /** I sent a message: the server ends my indicator when it arrives. */
  messageSent(): void {
    this.lastSent = 0;
  }
}

/** The "… is typing" line under the message list. */
export class TypingView {
  private readonly typing = byId('typing');

  constructor(private readonly state: ChatState) {}

  render(): void {
    const c = this.state.activeConversation();
    const names = c ? [...c.typing.keys()].map((id) => this.state.nameOf(id)) : [];
    setText(
      this.typing,
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`,
    );
  }
}
