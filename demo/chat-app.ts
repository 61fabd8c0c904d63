/**
 * The chat controller: one `ParlorClient` per tab and the `ChatState` it
 * feeds. This file boots from HTTP, routes client events and the page's
 * controls to the feature modules (incoming-messages, read-receipts,
 * typing-indicator, presence, notifications-panel, connection-banner, ...),
 * and batches rendering into one `ChatView.render()` per frame.
 */
import { ParlorClient } from '../src/client/index.js';
import { api, type User } from './api.js';
import { announce } from './announcer.js';
import { ChatView } from './chat-view.js';
import { retry, wireComposer } from './composer.js';
import { listenToConnection } from './connection-banner.js';
import { wireStartForm } from './conversation-list.js';
import { wireRequestBar } from './message-requests.js';
import { byId } from './dom.js';
import { wireGroupForms } from './group-forms.js';
import { loadMembers } from './groups.js';
import { onMessage } from './incoming-messages.js';
import { loadHistory, openConversation, wireHistoryScroll } from './message-pane.js';
import { answerInvite, onNotification, wireNotificationsPanel } from './notifications-panel.js';
import { onPresence, scheduleOnlineRefresh } from './presence.js';
import { onReceipt, wireReadOnVisible } from './read-receipts.js';
import { show } from './screens.js';
import { logout } from './session.js';
import { ChatState, fromFrame, groupKey, privateKey, type Conversation } from './state.js';
import { onTyping } from './typing-indicator.js';

export class ChatApp {
  readonly state: ChatState;
  readonly view: ChatView;
  client!: ParlorClient;
  private renderQueued = false;
  /** When I last sent `typing: true` (0: the indicator is off). */
  lastTypingSent = 0;
  onlineTimer: ReturnType<typeof setTimeout> | undefined;
  everOpened = false;

  constructor(me: User) {
    this.state = new ChatState(me);
    // A name arrived for someone shown as "user #id": draw it.
    this.state.profiles.on('loaded', () => this.render());
    this.view = new ChatView(this.state, {
      open: (key) => openConversation(this, key),
      answerInvite: (groupId, accept) => void answerInvite(this, groupId, accept),
      retry: (message) => retry(this, message),
      loadOlder: () => void loadHistory(this, true),
    });
  }

  /** Load what HTTP knows, then connect from the newest message already listed. */
  async start(): Promise<void> {
    const [groups, conversations, notifications, online] = await Promise.all([
      api.groups(),
      api.conversations(),
      api.notifications(),
      api.online(),
    ]);
    const { state } = this;
    state.setGroups(groups.groups);
    await Promise.all(groups.groups.map((g) => loadMembers(this, g.id)));
    let since = 0;
    for (const summary of conversations.conversations) {
      const c = state.conversation(summary.kind === 'private' ? privateKey(summary.user_id) : groupKey(summary.group_id));
      c.add(fromFrame(summary.last_message));
      c.unread = summary.unread;
      c.request = summary.request === true;
      if (summary.unread === 0) c.readSent = summary.last_message.id;
      since = Math.max(since, summary.last_message.id);
    }
    state.notifications = notifications.notifications;
    state.unreadNotifications = notifications.unread;
    for (const id of online.users) state.online.add(id);

    this.client = new ParlorClient({
      url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`,
      // Everything up to `since` is reachable over HTTP; the first sync brings only what is newer.
      since,
      // `/?socket=token`: the socket authenticates with a bearer token (as a webview that cannot send the
      // cookie would), fetched for every socket and refreshed ahead of its expiry with a `refresh` frame.
      ...(new URLSearchParams(location.search).get('socket') === 'token' ? { getToken: () => api.token() } : {}),
    });
    this.listen();
    this.wireDom();
    this.render();
    scheduleOnlineRefresh(this);
  }

  render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.view.render();
    });
  }

  activeConversation(): Conversation | undefined {
    return this.state.active ? this.state.conversations.get(this.state.active) : undefined;
  }

  private listen(): void {
    const c = this.client;
    listenToConnection(this);
    c.on('private', (m) => onMessage(this, m));
    c.on('group', (m) => onMessage(this, m));
    c.on('receipt', (r) => onReceipt(this, r));
    c.on('typing', (t) => onTyping(this, t));
    c.on('presence', (p) => onPresence(this, p));
    c.on('notification', (n) => onNotification(this, n));
    c.on('error', (e) => {
      if (e.code === 'rate_limited') announce('Slow down: the server is dropping some of what you send.');
    });
  }

  /** The page's own controls. */
  private wireDom(): void {
    wireComposer(this);
    wireHistoryScroll(this);
    wireStartForm(this);
    wireGroupForms(this);
    wireNotificationsPanel(this);
    byId('logout').addEventListener('click', () => void logout(this));
    wireReadOnVisible(this);
    wireRequestBar(this);
  }
}

export async function startChat(user: User): Promise<void> {
  const app = new ChatApp(user);
  await app.start();
  show('chat');
}
