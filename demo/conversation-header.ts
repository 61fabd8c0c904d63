/**
 * The open conversation's header: its title, presence or member count, and a
 * group's member list (with presence and pending invitations). It also shows
 * the composer only while a conversation is open.
 */
import { byId, h, reconcile, setText } from './dom.js';
import { presenceDot } from './presence.js';
import type { ChatState } from './state.js';

export class ConversationHeaderView {
  private readonly el = {
    title: byId('chat-title'),
    subtitle: byId('chat-subtitle'),
    groupDetails: byId<HTMLDetailsElement>('group-details'),
    memberList: byId('member-list'),
    composer: byId<HTMLFormElement>('composer'),
    requestBar: byId('request-bar'),
    requestText: byId('request-text'),
  };

  constructor(private readonly state: ChatState) {}

  render(): void {
    const { state, el } = this;
    const c = state.activeConversation();
    el.composer.hidden = !c;
    el.groupDetails.hidden = c?.kind !== 'group';
    el.requestBar.hidden = !c || !state.isRequest(c);
    if (c && !el.requestBar.hidden) {
      setText(
        el.requestText,
        `${state.nameOf(c.targetId)} wants to message you. Until you reply, they cannot see whether you are online, typing or have read it.`,
      );
    }
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
}
