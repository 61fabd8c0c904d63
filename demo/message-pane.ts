/**
 * The open conversation's message list: opening a conversation, history
 * paging (the newest page first, then 30 older at a time by scrolling to the
 * top or *Load older messages*, keeping the view in place), and each message
 * with its delivery mark (sending, sent, delivered, read, not sent + Retry).
 */
import { api } from './api.js';
import { announce } from './announcer.js';
import { clearComposer } from './composer.js';
import type { ChatContext, ViewActions } from './context.js';
import { byId, formatTime, h, reconcile, setAttr, setText } from './dom.js';
import { errorText } from './errors.js';
import { loadMembers } from './groups.js';
import { markRead } from './read-receipts.js';
import { fromFrame, raiseStatus, type ChatMessage, type ChatState, type Conversation, type ConversationKey, type MessageStatus } from './state.js';
import type { TypingSender } from './typing-indicator.js';

// ---- controller ------------------------------------------------------------

export function openConversation(ctx: ChatContext, typing: TypingSender, key: ConversationKey): void {
  const previous = ctx.state.activeConversation();
  if (previous && previous.key !== key) typing.send(false);
  ctx.state.active = key;
  const c = ctx.state.conversation(key);
  clearComposer();
  setText(byId('invite-result'), '');
  if (!c.historyLoaded) void loadHistory(ctx, false);
  else markRead(ctx, c);
  if (c.kind === 'group') void loadMembers(ctx, c.targetId);
  ctx.render();
  requestAnimationFrame(() => byId('composer-input').focus());
}

/** The open conversation's newest page (first open) or the page before the oldest message shown. */
export async function loadHistory(ctx: ChatContext, older: boolean): Promise<void> {
  const c = ctx.state.activeConversation();
  if (!c) return;
  try {
    await loadPage(ctx, c, older);
  } catch (err) {
    announce(`Could not load messages: ${errorText(err)}`);
    // The pane stops waiting for it; *Load older messages* tries again.
    if (!older) c.historyLoaded = true;
  }
}

/** Into `c`, open or not: its newest page, or with `older` the page before its oldest message. Throws what the read threw. */
export async function loadPage(ctx: ChatContext, c: Conversation, older: boolean): Promise<void> {
  if (c.loading || (older && (!c.hasMore || !c.historyLoaded))) return;
  c.loading = true;
  ctx.render();
  try {
    const before = older ? c.oldestId : undefined;
    const page = c.kind === 'private' ? await api.privateHistory(c.targetId, before) : await api.groupHistory(c.targetId, before);
    for (const m of page.messages) {
      const message = fromFrame(m);
      if (!c.add(message)) {
        const known = c.get(m.id);
        if (known) raiseStatus(known, message.status);
      }
    }
    c.hasMore = page.has_more;
    c.historyLoaded = true;
    if (ctx.state.active === c.key) markRead(ctx, c);
  } finally {
    c.loading = false;
    ctx.render();
  }
}

/** Scrolling near the top loads the page before. */
export function wireHistoryScroll(ctx: ChatContext): void {
  const messages = byId('messages');
  messages.addEventListener('scroll', () => {
    if (messages.scrollTop < 80) void loadHistory(ctx, true);
  });
}

// ---- view ------------------------------------------------------------------

const STATUS_TEXT: Record<MessageStatus, { icon: string; label: string }> = {
  pending: { icon: '…', label: 'sending' },
  stored: { icon: '✓', label: 'sent' },
  delivered: { icon: '✓✓', label: 'delivered' },
  read: { icon: '✓✓', label: 'read' },
  failed: { icon: '!', label: 'not sent' },
};

/** Near enough to the bottom that new messages should keep the view pinned there. */
const STICKY_PX = 48;

export class MessagePaneView {
  private readonly el = {
    messages: byId('messages'),
    loadOlder: byId<HTMLButtonElement>('load-older'),
    historyStatus: byId('history-status'),
    messageList: byId('message-list'),
  };
  /** The conversation the message list currently shows: a switch scrolls to the bottom. */
  private shown: ConversationKey | null = null;
  /** Scroll to the newest message on the next render (after I send), wherever the view was. */
  private toEnd = false;

  constructor(
    private readonly state: ChatState,
    private readonly actions: ViewActions,
  ) {
    this.el.loadOlder.addEventListener('click', () => actions.loadOlder());
  }

  scrollToEnd(): void {
    this.toEnd = true;
  }

  render(): void {
    const { state, el } = this;
    const c = state.activeConversation();
    const switched = this.shown !== (c?.key ?? null);
    this.shown = c?.key ?? null;
    const box = el.messages;
    const pinned = switched || this.toEnd || box.scrollHeight - box.scrollTop - box.clientHeight < STICKY_PX;
    this.toEnd = false;
    // Keep the first visible message where it is when older pages are inserted above it.
    const anchor = switched ? null : firstVisible(el.messageList, box);
    const anchorTop = anchor?.getBoundingClientRect().top ?? 0;

    el.loadOlder.hidden = !c || !c.historyLoaded || !c.hasMore;
    el.loadOlder.disabled = !!c?.loading;
    setText(el.loadOlder, c?.loading ? 'Loading older messages…' : 'Load older messages');
    setAttr(box, 'aria-busy', c?.loading ? 'true' : undefined);
    setText(
      el.historyStatus,
      !c ? '' : !c.historyLoaded ? 'Loading…' : c.hasMore ? '' : c.messages.length === 0 ? 'No messages yet. Say hi!' : 'This is the beginning of the conversation.',
    );

    reconcile(
      el.messageList,
      c?.messages ?? [],
      (m) => m.uid,
      () => h('li', { class: 'message' }),
      (li, m) => this.fillMessage(li, m, c!),
    );

    if (pinned) box.scrollTop = box.scrollHeight;
    else if (anchor?.isConnected) box.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
  }

  private fillMessage(li: HTMLElement, m: ChatMessage, c: Conversation): void {
    const mine = m.from === this.state.me.id;
    const showStatus = mine && c.kind === 'private';
    const author = mine ? 'You' : this.state.nameOf(m.from);
    const signature = `${m.id}|${m.status}|${m.error ?? ''}|${showStatus}|${author}`;
    if (li.dataset.signature === signature) return;
    li.dataset.signature = signature;
    li.classList.toggle('mine', mine);
    setAttr(li, 'data-id', m.id ?? undefined);
    setAttr(li, 'data-status', m.status);
    const status = STATUS_TEXT[m.status];
    li.replaceChildren(
      h('p', { class: 'author', text: author }),
      h('p', { class: 'content', text: m.content }),
      h(
        'p',
        { class: 'meta' },
        h('time', { text: formatTime(m.timestamp), attrs: { datetime: new Date(m.timestamp).toISOString() } }),
        showStatus || m.status === 'pending' || m.status === 'failed'
          ? h(
              'span',
              { class: `status status-${m.status}` },
              h('span', { attrs: { 'aria-hidden': 'true' }, text: ` ${status.icon} ` }),
              status.label,
            )
          : null,
        m.status === 'failed'
          ? h(
              'span',
              { class: 'failed' },
              ` (${describeError(m.error, c.kind)}) `,
              h('button', { class: 'link-button', text: 'Retry', attrs: { type: 'button' }, on: { click: () => this.actions.retry(m) } }),
            )
          : null,
      ),
    );
  }
}

/** The first message whose bottom is inside the scrolled box. */
function firstVisible(list: HTMLElement, box: HTMLElement): HTMLElement | null {
  const top = box.getBoundingClientRect().top;
  for (const child of Array.from(list.children)) {
    if (child instanceof HTMLElement && child.getBoundingClientRect().bottom > top) return child;
  }
  return null;
}

/** Why a send failed, in words; `forbidden` means a block (or no consent) for a private message, not being a member for a group one. */
function describeError(code: string | undefined, kind: Conversation['kind']): string {
  switch (code) {
    case 'not_found':
      return kind === 'private' ? 'no such user' : 'no such group';
    case 'forbidden':
      return kind === 'private' ? 'this user does not accept your messages' : 'you are not a member';
    case 'timeout':
      return 'no answer from the server';
    case 'too_large':
      return 'too long';
    default:
      return code ?? 'error';
  }
}
