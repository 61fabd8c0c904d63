/**
 * The chat controller: boots the page from HTTP, opens this tab's
 * `ParlorClient`, and wires the client's events and the page's controls to the
 * feature modules (incoming-messages, read-receipts, typing-indicator,
 * presence, notifications-panel, connection-banner, ...). Each module gets
 * only the narrow context it needs (context.ts), and a callback where it has
 * to reach another feature; none of them imports this file.
 */
import { ParlorClient } from '../src/client/index.js';
import { wireAccountPanel } from './account-panel.js';
import { api, type User } from './api.js';
import { announce } from './announcer.js';
import { ChatView } from './chat-view.js';
import { retry, wireComposer } from './composer.js';
import { listenToConnection } from './connection-banner.js';
import type { ChatContext, OpenConversation, PageContext } from './context.js';
import { wireStartForm } from './conversation-list.js';
import { byId } from './dom.js';
import { wireGroupForms } from './group-forms.js';
import { loadMembers } from './groups.js';
import { onMessage } from './incoming-messages.js';
import { loadHistory, loadPage, openConversation, wireHistoryScroll } from './message-pane.js';
import { wireRequestBar } from './message-requests.js';
import { answerInvite, onNotification, wireNotificationsPanel } from './notifications-panel.js';
import { onPresence, refreshOnlinePeriodically } from './presence.js';
import { bulkReads } from './read-queue.js';
import { onReceipt, wireReadOnVisible } from './read-receipts.js';
import { show } from './screens.js';
import { logout } from './session.js';
import { ChatState, fromFrame, groupKey, privateKey } from './state.js';
import { onTyping, TypingSender } from './typing-indicator.js';

/** Boot the chat for `me` and show it. */
export async function startChat(me: User): Promise<void> {
  const state = new ChatState(me);
  let view: ChatView | undefined;
  const page: PageContext = { state, render: oncePerFrame(() => view?.render()) };
  // A name arrived for someone shown as "user #id": draw it.
  state.profiles.on('loaded', () => page.render());
  const since = await loadFromHttp(page);

  const ctx: ChatContext = { ...page, client: connect(since) };
  const typing = new TypingSender(ctx);
  const open: OpenConversation = (key) => openConversation(ctx, typing, key);
  const chatView = new ChatView(state, {
    open,
    answerInvite: (groupId, accept) => void answerInvite(ctx, open, groupId, accept),
    retry: (message) => retry(ctx, message),
    loadOlder: () => void loadHistory(ctx, true),
  });
  view = chatView;
  listen(ctx);
  wireControls(ctx, typing, open, () => chatView.scrollToEnd());
  ctx.render();
  refreshOnlinePeriodically(ctx);
  show('chat');
  learnWhoWrote(ctx);
}

/**
 * A private conversation whose last message is mine may or may not have
 * words from the other side, and only then is it a contact: its newest
 * history page is read (through the bulk queue) to find out. Groups we
 * share make a contact anyway, so those are left alone. (A reply older than
 * the newest page is missed until the conversation is scrolled back.)
 */
function learnWhoWrote(ctx: ChatContext): void {
  const { state } = ctx;
  for (const c of state.conversations.values()) {
    if (c.kind !== 'private' || c.theyWrote || c.request || c.targetId === state.me.id || state.sharesGroupWith(c.targetId)) continue;
    // Opened meanwhile: its history is in already.
    void bulkReads.run(async () => (c.historyLoaded ? undefined : loadPage(ctx, c, false))).catch(() => {
      // Unknown stays "not a contact"; opening the conversation reads its history again.
    });
  }
}

/** `render` batched: however often it is called, `draw` runs once, on the next animation frame. */
function oncePerFrame(draw: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  };
}

/** What HTTP knows: groups and members, the conversations, notifications, who is online, whom I block. Returns the newest message id listed. */
async function loadFromHttp(page: PageContext): Promise<number> {
  const [groups, conversations, notifications, online, blocked] = await Promise.all([
    api.groups(),
    api.conversations(),
    api.notifications(),
    api.online(),
    api.blocked(),
  ]);
  const { state } = page;
  for (const { user_id } of blocked.users) state.blocked.add(user_id);
  state.setGroups(groups.groups);
  await Promise.all(groups.groups.map((g) => loadMembers(page, g.id)));
  let since = 0;
  for (const summary of conversations.conversations) {
    // Still counted in `since`, so `sync` does not replay it.
    since = Math.max(since, summary.last_message.id);
    if (summary.kind === 'private' && state.blocked.has(summary.user_id)) continue;
    const c = state.conversation(summary.kind === 'private' ? privateKey(summary.user_id) : groupKey(summary.group_id));
    c.add(fromFrame(summary.last_message));
    c.unread = summary.unread;
    c.request = summary.request === true;
    if (summary.unread === 0) c.readSent = summary.last_message.id;
  }
  state.notifications = notifications.notifications;
  state.unreadNotifications = notifications.unread;
  for (const id of online.users) state.online.add(id);
  return since;
}

/** This tab's client, connecting from the newest message already listed. */
function connect(since: number): ParlorClient {
  return new ParlorClient({
    url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`,
    // Everything up to `since` is reachable over HTTP; the first sync brings only what is newer.
    since,
    // `/?socket=token`: the socket authenticates with a bearer token (as a webview that cannot send the
    // cookie would), fetched for every socket and refreshed ahead of its expiry with a `refresh` frame.
    ...(new URLSearchParams(location.search).get('socket') === 'token' ? { getToken: () => api.token() } : {}),
  });
}

/** The client's events, each to the module that handles it. */
function listen(ctx: ChatContext): void {
  const c = ctx.client;
  listenToConnection(ctx);
  c.on('private', (m) => onMessage(ctx, m));
  c.on('group', (m) => onMessage(ctx, m));
  c.on('receipt', (r) => onReceipt(ctx, r));
  c.on('typing', (t) => onTyping(ctx, t));
  c.on('presence', (p) => onPresence(ctx, p));
  c.on('notification', (n) => onNotification(ctx, n));
  c.on('error', (e) => {
    if (e.code === 'rate_limited') announce('Slow down: the server is dropping some of what you send.');
  });
}

/** The page's own controls. */
function wireControls(ctx: ChatContext, typing: TypingSender, open: OpenConversation, scrollToEnd: () => void): void {
  wireComposer(ctx, typing, scrollToEnd);
  wireHistoryScroll(ctx);
  wireStartForm(ctx.state, open);
  wireGroupForms(ctx, open);
  wireNotificationsPanel(ctx);
  byId('logout').addEventListener('click', () => void logout(ctx.client));
  wireAccountPanel(ctx);
  wireReadOnVisible(ctx);
  wireRequestBar(ctx);
}
