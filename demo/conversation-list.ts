/**
 * The sidebar: conversations (most recent first, with unread counts and a
 * preview), contacts with presence dots, and *Message a user*.
 */
import type { OpenConversation, ViewActions } from './context.js';
import { byId, h, reconcile, setAttr, setText } from './dom.js';
import { wireForm } from './forms.js';
import { presenceDot } from './presence.js';
import { privateKey, type ChatState, type Conversation } from './state.js';

/** *Message a user*: by user id, or a username the page already knows. */
export function wireStartForm(state: ChatState, open: OpenConversation): void {
  wireForm('start-form', 'start-error', async (form) => {
    const text = (form.elements.namedItem('user') as HTMLInputElement).value;
    const userId = state.resolveUser(text);
    if (userId === undefined) throw new Error(`No user "${text.trim()}" known here: ask them for their user id (top of their page).`);
    form.reset();
    open(privateKey(userId));
  });
}

export class ConversationListView {
  private readonly el = {
    requests: byId('requests'),
    requestList: byId('request-list'),
    conversationList: byId('conversation-list'),
    conversationsEmpty: byId('conversations-empty'),
    contactList: byId('contact-list'),
    contactsEmpty: byId('contacts-empty'),
  };

  constructor(
    private readonly state: ChatState,
    private readonly actions: ViewActions,
  ) {}

  renderConversations(): void {
    const { state, el } = this;
    const list = state.sortedConversations();
    el.conversationsEmpty.hidden = list.length > 0;
    const requests = state.requests();
    el.requests.hidden = requests.length === 0;
    this.renderList(el.requestList, requests);
    this.renderList(el.conversationList, list);
  }

  private renderList(into: HTMLElement, list: Conversation[]): void {
    const { state } = this;
    reconcile(
      into,
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

  renderContacts(): void {
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
}
