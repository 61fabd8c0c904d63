/**
 * Rendering: every part of the chat screen drawn from `ChatState`. Lists are
 * reconciled by key, so re-rendering after each event is cheap and keeps the
 * focused button, the scroll position and the reading context in place.
 */
import type { Notification } from '../src/client/index.js';
import { byId, formatTime, h, reconcile, setAttr, setText } from './dom.js';
import type { ChatMessage, ChatState, Conversation, ConversationKey, MessageStatus } from './state.js';

export interface ViewActions {
  open(key: ConversationKey): void;
  answerInvite(groupId: number, accept: boolean): void;
  retry(message: ChatMessage): void;
  loadOlder(): void;
}

const STATUS_TEXT: Record<MessageStatus, { icon: string; label: string }> = {
  pending: { icon: '…', label: 'sending' },
  stored: { icon: '✓', label: 'sent' },
  delivered: { icon: '✓✓', label: 'delivered' },
  read: { icon: '✓✓', label: 'read' },
  failed: { icon: '!', label: 'not sent' },
};

/** Near enough to the bottom that new messages should keep the view pinned there. */
const STICKY_PX = 48;

export class ChatView {
  private readonly el = {
    meName: byId('me-name'),
    meId: byId('me-id'),
    bell: byId<HTMLButtonElement>('bell'),
    bellLabel: byId('bell-label'),
    badge: byId('badge'),
    panel: byId('notifications-panel'),
    notificationList: byId('notifications-list'),
    notificationsEmpty: byId('notifications-empty'),
    conversationList: byId('conversation-list'),
    conversationsEmpty: byId('conversations-empty'),
    contactList: byId('contact-list'),
    contactsEmpty: byId('contacts-empty'),
    title: byId('chat-title'),
    subtitle: byId('chat-subtitle'),
    groupDetails: byId<HTMLDetailsElement>('group-details'),
    memberList: byId('member-list'),
    messages: byId('messages'),
    loadOlder: byId<HTMLButtonElement>('load-older'),
    historyStatus: byId('history-status'),
    messageList: byId('message-list'),
    typing: byId('typing'),
    composer: byId<HTMLFormElement>('composer'),
  };
  /** The conversation the message list currently shows: a switch scrolls to the bottom. */
  private shown: ConversationKey | null = null;
  /** Scroll to the newest message on the next render (after I send), wherever the view was. */
  private toEnd = false;

  constructor(
    private readonly state: ChatState,
    private readonly actions: ViewActions,
  ) {
    setText(this.el.meName, state.me.username);
    setText(this.el.meId, String(state.me.id));
    this.el.loadOlder.addEventListener('click', () => actions.loadOlder());
  }

  scrollToEnd(): void {
    this.toEnd = true;
  }

  render(): void {
    this.renderNotifications();
    this.renderConversations();
    this.renderContacts();
    this.renderHeader();
    this.renderMessages();
    this.renderTyping();
  }

  // ---- top bar ---------------------------------------------------------------

  private renderNotifications(): void {
    const { state, el } = this;
    const unread = state.unreadNotifications;
    el.badge.hidden = unread === 0;
    setText(el.badge, unread > 99 ? '99+' : String(unread));
    setText(el.bellLabel, unread === 0 ? 'Notifications' : `Notifications, ${unread} unread`);
    el.notificationsEmpty.hidden = state.notifications.length > 0;
    reconcile(
      el.notificationList,
      state.notifications,
      (n) => `n${n.id}`,
      () => h('li', { class: 'notification' }),
      (li, n) => this.fillNotification(li, n),
    );
  }

  private fillNotification(li: HTMLElement, n: Notification): void {
    const invite = this.state.inviteOf(n);
    const signature = `${n.read ? 1 : 0}|${invite?.pending ? 'p' : (invite?.answer ?? '')}`;
    if (li.dataset.signature === signature) return;
    li.dataset.signature = signature;
    li.classList.toggle('unread', !n.read);
    const actions = invite?.pending
      ? h(
          'div',
          { class: 'row' },
          h('button', { text: 'Accept', attrs: { type: 'button' }, on: { click: () => this.actions.answerInvite(invite.groupId, true) } }),
          h('button', { text: 'Decline', class: 'secondary', attrs: { type: 'button' }, on: { click: () => this.actions.answerInvite(invite.groupId, false) } }),
        )
      : invite?.answer
        ? h('p', { class: 'muted', text: invite.answer === 'accepted' ? 'Accepted' : 'Declined' })
        : null;
    li.replaceChildren(
      h('p', { text: n.message }),
      h('time', { class: 'muted', text: formatTime(n.timestamp), attrs: { datetime: new Date(n.timestamp).toISOString() } }),
    );
    if (actions) li.append(actions);
  }

  // ---- sidebar ---------------------------------------------------------------

  private renderConversations(): void {
    const { state, el } = this;
    const list = state.sortedConversations();
    el.conversationsEmpty.hidden = list.length > 0;
    reconcile(
      el.conversationList,
      list,
      (c) => c.key,
      (c) =>
        h(
          'li',
          {},
          h(
            'button',
            { class: 'conversation', attrs: { type: 'button' }, on: { click: () => this.actions.open(c.key) } },
            h('span', { class: 'conversation-title' }),
            h('span', { class: 'unread-count' }),
            h('span', { class: 'preview' }),
          ),
        ),
      (li, c) => {
        const button = li.firstElementChild as HTMLButtonElement;
        const [title, unread, preview] = Array.from(button.children) as HTMLElement[];
        setAttr(button, 'aria-current', state.active === c.key ? 'true' : undefined);
        this.fillTitle(title!, c);
        unread!.hidden = c.unread === 0;
        setText(unread!, String(c.unread));
        setAttr(unread!, 'aria-label', `${c.unread} unread`);
        const last = c.last;
        setText(preview!, last ? `${last.from === state.me.id ? 'You: ' : c.kind === 'group' ? `${state.nameOf(last.from)}: ` : ''}${last.content}` : '');
      },
    );
  }

  private fillTitle(title: HTMLElement, c: Conversation): void {
    const name = this.state.titleOf(c);
    if (c.kind === 'group') {
      if (title.dataset.text !== name) {
        title.dataset.text = name;
        title.replaceChildren(h('span', { class: 'group-icon', attrs: { 'aria-hidden': 'true' }, text: '#' }), name);
      }
      return;
    }
    const online = this.state.online.has(c.targetId);
    const text = `${name}|${online}`;
    if (title.dataset.text === text) return;
    title.dataset.text = text;
    title.replaceChildren(presenceDot(online), name);
  }

  private renderContacts(): void {
    const { state, el } = this;
    const contacts = state.contacts();
    el.contactsEmpty.hidden = contacts.length > 0;
    reconcile(
      el.contactList,
      contacts,
      (id) => `c${id}`,
      (id) => h('li', {}, h('button', { class: 'contact', attrs: { type: 'button' }, on: { click: () => this.actions.open(`u:${id}`) } })),
      (li, id) => {
        const button = li.firstElementChild as HTMLElement;
        const online = state.online.has(id);
        const text = `${state.nameOf(id)}|${online}`;
        if (button.dataset.text === text) return;
        button.dataset.text = text;
        setAttr(button, 'data-online', online ? 'true' : 'false');
        button.replaceChildren(presenceDot(online), state.nameOf(id), h('span', { class: 'muted small', text: ` #${id}` }));
      },
    );
  }

  // ---- the open conversation -------------------------------------------------

  private renderHeader(): void {
    const { state, el } = this;
    const c = state.active ? state.conversations.get(state.active) : undefined;
    el.composer.hidden = !c;
    el.groupDetails.hidden = c?.kind !== 'group';
    if (!c) {
      setText(el.title, 'Pick a conversation');
      setText(el.subtitle, 'Choose one on the left, message a user by id, or create a group.');
      return;
    }
    setText(el.title, state.titleOf(c));
    if (c.kind === 'private') {
      const presence = c.targetId === state.me.id ? 'notes to yourself' : state.online.has(c.targetId) ? 'online' : 'offline';
      setText(el.subtitle, `${presence} · user id ${c.targetId}`);
      return;
    }
    const members = state.members.get(c.targetId) ?? [];
    const accepted = members.filter((m) => m.status === 'accepted').length;
    setText(el.subtitle, `${accepted} member${accepted === 1 ? '' : 's'} · group id ${c.targetId}`);
    reconcile(
      el.memberList,
      members,
      (m) => `m${m.id}`,
      () => h('li'),
      (li, m) => {
        const online = m.id === state.me.id || state.online.has(m.id);
        const text = `${m.username}|${m.status}|${online}`;
        if (li.dataset.text === text) return;
        li.dataset.text = text;
        li.replaceChildren(
          presenceDot(online),
          m.id === state.me.id ? `${m.username} (you)` : m.username,
          h('span', { class: 'muted small', text: ` #${m.id}${m.status === 'invited' ? ' · invited' : ''}` }),
        );
      },
    );
  }

  private renderMessages(): void {
    const { state, el } = this;
    const c = state.active ? state.conversations.get(state.active) : undefined;
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
              ` (${describeError(m.error)}) `,
              h('button', { class: 'link-button', text: 'Retry', attrs: { type: 'button' }, on: { click: () => this.actions.retry(m) } }),
            )
          : null,
      ),
    );
  }

  private renderTyping(): void {
    const c = this.state.active ? this.state.conversations.get(this.state.active) : undefined;
    const names = c ? [...c.typing.keys()].map((id) => this.state.nameOf(id)) : [];
    setText(
      this.el.typing,
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`,
    );
  }
}

function presenceDot(online: boolean): HTMLElement {
  return h(
    'span',
    { class: `dot ${online ? 'online' : 'offline'}` },
    h('span', { class: 'sr-only', text: online ? 'online: ' : 'offline: ' }),
  );
}

/** The first message whose bottom is inside the scrolled box. */
function firstVisible(list: HTMLElement, box: HTMLElement): HTMLElement | null {
  const top = box.getBoundingClientRect().top;
  for (const child of Array.from(list.children)) {
    if (child instanceof HTMLElement && child.getBoundingClientRect().bottom > top) return child;
  }
  return null;
}

function describeError(code: string | undefined): string {
  switch (code) {
    case 'not_found':
      return 'no such user or group';
    case 'forbidden':
      return 'you are not a member';
    case 'timeout':
      return 'no answer from the server';
    case 'too_large':
      return 'too long';
    default:
      return code ?? 'error';
  }
}
