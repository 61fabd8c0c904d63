/**
 * The bell and its notifications panel: the unread badge, `notification`
 * frames, opening the panel marks them read, and a `group_invite` has
 * *Accept* / *Decline* buttons (accepting opens the group); a `group_removed`
 * takes the group off the page. Escape closes the
 * panel and gives focus back to the bell.
 */
import type { Notification } from '../src/client/index.js';
import { api } from './api.js';
import { announce } from './announcer.js';
import type { OpenConversation, PageContext, ViewActions } from './context.js';
import { byId, formatTime, h, reconcile, setText } from './dom.js';
import { errorText } from './errors.js';
import { refreshGroups } from './groups.js';
import { refreshOnline } from './presence.js';
import { groupKey, type ChatState } from './state.js';

// ---- controller ------------------------------------------------------------

export function onNotification(page: PageContext, n: Notification): void {
  const { state } = page;
  if (state.notifications.some((x) => x.id === n.id)) return;
  state.notifications = [{ ...n, read: false }, ...state.notifications];
  const panelOpen = !byId('notifications-panel').hidden;
  if (panelOpen) void api.readNotifications();
  else state.unreadNotifications++;
  announce(`Notification: ${n.message}`);
  if (n.subtype === 'group_invite') void refreshGroups(page);
  // Removed by the group's owner: the group goes from the page, as after leaving it.
  if (n.subtype === 'group_removed' && typeof n.group_id === 'number') page.state.forgetGroup(n.group_id);
  page.render();
}

/** Accept or decline an invitation; accepting opens the group with `open`. */
export async function answerInvite(page: PageContext, open: OpenConversation, groupId: number, accept: boolean): Promise<void> {
  const error = byId('notifications-error');
  setText(error, '');
  try {
    await api.respond(groupId, accept);
    page.state.responses.set(groupId, accept ? 'accepted' : 'declined');
    await refreshGroups(page);
    announce(accept ? `You joined ${page.state.groups.get(groupId)?.name ?? 'the group'}.` : 'Invitation declined.');
    if (accept) {
      void refreshOnline(page);
      closePanel(page, false);
      open(groupKey(groupId));
    }
  } catch (err) {
    // Refused (answered in another tab, say): said on screen, and the invitation shows what it is now.
    setText(error, `Could not answer the invitation: ${errorText(err)}`);
    await refreshGroups(page).catch(() => {});
  }
  page.render();
}

export function wireNotificationsPanel(page: PageContext): void {
  const bell = byId<HTMLButtonElement>('bell');
  bell.addEventListener('click', () => (byId('notifications-panel').hidden ? openPanel(page) : closePanel(page, true)));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !byId('notifications-panel').hidden) closePanel(page, true);
  });
}

function openPanel(page: PageContext): void {
  const panel = byId('notifications-panel');
  panel.hidden = false;
  setText(byId('notifications-error'), '');
  byId('bell').setAttribute('aria-expanded', 'true');
  if (page.state.unreadNotifications > 0) {
    page.state.unreadNotifications = 0;
    void api.readNotifications().catch(() => {});
  }
  (panel.querySelector('button') ?? panel).focus();
  page.render();
}

function closePanel(page: PageContext, focusBell: boolean): void {
  byId('notifications-panel').hidden = true;
  byId('bell').setAttribute('aria-expanded', 'false');
  page.state.notifications = page.state.notifications.map((n) => (n.read ? n : { ...n, read: true }));
  if (focusBell) byId('bell').focus();
  page.render();
}

// ---- view ------------------------------------------------------------------

export class NotificationsView {
  private readonly el = {
    bell: byId<HTMLButtonElement>('bell'),
    bellLabel: byId('bell-label'),
    badge: byId('badge'),
    panel: byId('notifications-panel'),
    notificationList: byId('notifications-list'),
    notificationsEmpty: byId('notifications-empty'),
  };

  constructor(
    private readonly state: ChatState,
    private readonly actions: ViewActions,
  ) {}

  render(): void {
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
}
