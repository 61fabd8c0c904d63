/**
 * The demo chat page served by `npm start` at `/`: sign in, then chat over one
 * `ParlorClient` (src/client). The client does the hard parts (reconnect,
 * outbox, sync, exactly-once delivery); this file turns its events and the
 * HTTP API into `ChatState`, and user actions into sends.
 */
import { ParlorClient, isParlorClientError, type GroupMessage, type Notification, type PrivateMessage, type ServerFrame } from '../src/client/index.js';
import { api, ApiError, type User } from './api.js';
import { byId, setText } from './dom.js';
import { ChatState, fromFrame, groupKey, privateKey, raiseStatus, type ChatMessage, type Conversation, type ConversationKey } from './state.js';
import { ChatView } from './views.js';

/** Resend `typing` this often while the user keeps typing (the server forgets it after 3 s). */
const TYPING_EVERY_MS = 2_000;
/** Forget a typist if `is_typing: false` never arrives (it should, 3 s after their last frame). */
const TYPING_STALE_MS = 6_000;
/** Presence frames describe changes only; the online list is re-read this often to catch new contacts. */
const ONLINE_REFRESH_MS = 30_000;

// ---- screens ---------------------------------------------------------------------

function show(screen: 'loading' | 'login' | 'chat'): void {
  byId('loading').hidden = screen !== 'loading';
  byId('login-screen').hidden = screen !== 'login';
  byId('chat-screen').hidden = screen !== 'chat';
}

function announce(text: string): void {
  const el = byId('announcer');
  // Clear first, so the same text twice is announced twice.
  el.textContent = '';
  requestAnimationFrame(() => (el.textContent = text));
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (isParlorClientError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function showLogin(): void {
  show('login');
  const form = byId<HTMLFormElement>('login-form');
  const error = byId('login-error');
  byId<HTMLInputElement>('login-username').focus();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const action = (event.submitter as HTMLButtonElement | null)?.value === 'register' ? 'register' : 'login';
    const username = (form.elements.namedItem('username') as HTMLInputElement).value.trim();
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    setText(error, '');
    form.setAttribute('aria-busy', 'true');
    try {
      const user = action === 'register' ? await api.register(username, password) : await api.login(username, password);
      form.onsubmit = null;
      await startChat(user);
    } catch (err) {
      setText(error, loginError(err, action));
    } finally {
      form.removeAttribute('aria-busy');
    }
  };
}

function loginError(err: unknown, action: 'login' | 'register'): string {
  if (!(err instanceof ApiError)) return errorText(err);
  if (err.status === 401) return 'Wrong username or password.';
  if (err.status === 409) return 'That username is taken. Pick another, or sign in.';
  if (err.status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (err.status === 400 && action === 'register') return 'Username: 3 to 32 of A-Z a-z 0-9 _ . - ; password: at least 8 characters.';
  return err.message;
}

// ---- the chat --------------------------------------------------------------------

class ChatApp {
  readonly state: ChatState;
  private readonly view: ChatView;
  private client!: ParlorClient;
  private renderQueued = false;
  private lastTypingSent = 0;
  private onlineTimer: ReturnType<typeof setTimeout> | undefined;
  private everOpened = false;

  constructor(me: User) {
    this.state = new ChatState(me);
    this.view = new ChatView(this.state, {
      open: (key) => this.open(key),
      answerInvite: (groupId, accept) => void this.answerInvite(groupId, accept),
      retry: (message) => this.retry(message),
      loadOlder: () => void this.loadHistory(true),
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
    await Promise.all(groups.groups.map((g) => this.loadMembers(g.id)));
    let since = 0;
    for (const summary of conversations.conversations) {
      const c = state.conversation(summary.kind === 'private' ? privateKey(summary.user_id) : groupKey(summary.group_id));
      c.add(fromFrame(summary.last_message));
      c.unread = summary.unread;
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
    });
    this.listen();
    this.wireDom();
    this.render();
    this.scheduleOnlineRefresh();
  }

  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.view.render();
    });
  }

  // ---- client events -------------------------------------------------------------

  private listen(): void {
    const c = this.client;
    // The connection state as an attribute too, for styles and tests: idle, connecting, open, reconnecting, closed.
    for (const event of ['connecting', 'open', 'reconnecting', 'closed'] as const) {
      c.on(event, () => (byId('chat-screen').dataset.connection = c.state));
    }
    c.on('connecting', ({ attempt }) => {
      if (!this.everOpened && attempt === 0) this.banner('Connecting…', 'info');
    });
    c.on('open', ({ reconnected }) => {
      this.everOpened = true;
      this.banner(null);
      if (reconnected) {
        announce('Reconnected.');
        void this.refreshAfterReconnect();
      } else {
        void this.refreshOnline(); // presence frames from now on; the list read at boot may be stale already
      }
    });
    c.on('reconnecting', ({ delayMs, waitingFor, attempt }) => {
      if (waitingFor === 'offline') this.banner('You are offline. Messages you send now go out when the connection is back.', 'warn');
      else if (waitingFor === 'hidden') this.banner('Paused while this tab is in the background.', 'info');
      else this.banner(`Connection lost. Reconnecting${delayMs >= 1000 ? ` in ${Math.round(delayMs / 1000)} s` : ''}…`, 'warn');
      // Browsers hide a 401 on the upgrade: after a few failures, check whether the session ended.
      if (attempt >= 3 && !waitingFor) void this.checkSession();
    });
    c.on('closed', ({ error }) => {
      if (error?.code === 'logged_out' || error?.code === 'unauthorized') return signedOut();
      this.banner(`Disconnected${error ? `: ${error.message}` : ''}.`, 'error', true);
    });
    c.on('private', (m) => this.onMessage(m));
    c.on('group', (m) => this.onMessage(m));
    c.on('receipt', (r) => this.onReceipt(r));
    c.on('typing', (t) => this.onTyping(t));
    c.on('presence', ({ user_id, online }) => {
      if (online) this.state.online.add(user_id);
      else this.state.online.delete(user_id);
      this.render();
    });
    c.on('notification', (n) => this.onNotification(n));
    c.on('error', (e) => {
      if (e.code === 'rate_limited') announce('Slow down: the server is dropping some of what you send.');
    });
  }

  private onMessage(m: PrivateMessage | GroupMessage): void {
    const { state } = this;
    const c = state.conversation(state.keyOf(m));
    const wasContact = c.kind === 'private' && c.stored > 0;
    if (!c.add(fromFrame(m))) return;
    const mine = m.from === state.me.id;
    this.stopTypingOf(c, m.from);
    if (!mine) {
      if (state.active === c.key && document.visibilityState === 'visible') this.markRead(c);
      else c.unread++;
      announce(`${state.nameOf(m.from)}${c.kind === 'group' ? ` in ${state.titleOf(c)}` : ''}: ${m.content}`);
    }
    if (c.kind === 'private' && !wasContact) void this.refreshOnline();
    if (c.kind === 'group' && state.groups.get(c.targetId)?.status !== 'accepted') void this.refreshGroups(); // joined in another tab
    else if (c.kind === 'group' && !state.members.get(c.targetId)?.some((x) => x.id === m.from && x.status === 'accepted')) {
      void this.loadMembers(c.targetId).then(() => this.refreshOnline());
    }
    this.render();
  }

  private onReceipt(r: ServerFrame<'receipt'>): void {
    const { state } = this;
    if (r.user_id === state.me.id) {
      // I read it on another device: this one's counter follows.
      const c = r.group_id !== undefined ? state.conversations.get(groupKey(r.group_id)) : [...state.conversations.values()].find((x) => x.has(r.message_id));
      if (c) {
        c.unread = 0;
        c.readSent = Math.max(c.readSent, r.message_id);
      }
    } else if (r.group_id === undefined) {
      const c = state.conversations.get(privateKey(r.user_id));
      if (!c) return;
      if (r.status === 'delivered') {
        const m = c.get(r.message_id);
        if (m && m.from === state.me.id) raiseStatus(m, 'delivered');
      } else {
        // `read` covers every earlier message to that user too.
        for (const m of c.messages) if (m.from === state.me.id && m.id !== null && m.id <= r.message_id) raiseStatus(m, 'read');
      }
    }
    this.render();
  }

  private onTyping(t: ServerFrame<'typing'>): void {
    if (t.from === this.state.me.id) return;
    // Only where a conversation is already listed: typing alone does not start one.
    const c = this.state.conversations.get(t.group_id !== undefined ? groupKey(t.group_id) : privateKey(t.from));
    if (!c) return;
    this.stopTypingOf(c, t.from);
    if (t.is_typing) {
      c.typing.set(
        t.from,
        setTimeout(() => {
          c.typing.delete(t.from);
          this.render();
        }, TYPING_STALE_MS),
      );
    }
    this.render();
  }

  private stopTypingOf(c: Conversation, userId: number): void {
    clearTimeout(c.typing.get(userId));
    c.typing.delete(userId);
  }

  private onNotification(n: Notification): void {
    const { state } = this;
    if (state.notifications.some((x) => x.id === n.id)) return;
    state.notifications = [{ ...n, read: false }, ...state.notifications];
    const panelOpen = !byId('notifications-panel').hidden;
    if (panelOpen) void api.readNotifications();
    else state.unreadNotifications++;
    announce(`Notification: ${n.message}`);
    if (n.subtype === 'group_invite') void this.refreshGroups();
    this.render();
  }

  // ---- reads and refreshes -------------------------------------------------------

  /** Tell the server I read the newest incoming message of the open conversation. */
  private markRead(c: Conversation): void {
    c.unread = 0;
    for (let i = c.messages.length - 1; i >= 0; i--) {
      const m = c.messages[i]!;
      if (m.id === null || m.from === this.state.me.id) continue;
      if (m.id > c.readSent) {
        c.readSent = m.id;
        this.client.markRead(m.id, c.kind === 'group' ? c.targetId : undefined);
      }
      return;
    }
  }

  /** Notifications, groups and presence are not replayed by `sync`: read them again. */
  private async refreshAfterReconnect(): Promise<void> {
    try {
      const notifications = await api.notifications();
      this.state.notifications = notifications.notifications;
      this.state.unreadNotifications = byId('notifications-panel').hidden ? notifications.unread : 0;
      await this.refreshGroups();
      await this.refreshOnline();
    } catch {
      // The next reconnect or refresh tries again.
    }
  }

  private async refreshGroups(): Promise<void> {
    const before = new Set([...this.state.groups.values()].filter((g) => g.status === 'accepted').map((g) => g.id));
    this.state.setGroups((await api.groups()).groups);
    await Promise.all(
      [...this.state.groups.values()].filter((g) => !this.state.members.has(g.id) || (g.status === 'accepted' && !before.has(g.id))).map((g) => this.loadMembers(g.id)),
    );
    this.render();
  }

  private async loadMembers(groupId: number): Promise<void> {
    try {
      this.state.setMembers(groupId, (await api.members(groupId)).members);
      this.render();
    } catch {
      // Declined meanwhile, or offline: the list stays as it was.
    }
  }

  private async refreshOnline(): Promise<void> {
    try {
      const { users } = await api.online();
      const online = this.state.online;
      online.clear();
      for (const id of users) online.add(id);
      this.render();
    } catch {
      // Presence frames keep it roughly right until the next refresh.
    }
  }

  private scheduleOnlineRefresh(): void {
    clearTimeout(this.onlineTimer);
    this.onlineTimer = setTimeout(async () => {
      if (this.client.state === 'open' && document.visibilityState === 'visible') {
        await this.refreshOnline();
        const active = this.activeConversation();
        if (active?.kind === 'group') await this.loadMembers(active.targetId);
      }
      this.scheduleOnlineRefresh();
    }, ONLINE_REFRESH_MS);
  }

  private async checkSession(): Promise<void> {
    try {
      await api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) signedOut();
    }
  }

  // ---- conversations -------------------------------------------------------------

  private activeConversation(): Conversation | undefined {
    return this.state.active ? this.state.conversations.get(this.state.active) : undefined;
  }

  open(key: ConversationKey): void {
    const previous = this.activeConversation();
    if (previous && previous.key !== key) this.sendTyping(false);
    this.state.active = key;
    const c = this.state.conversation(key);
    byId<HTMLTextAreaElement>('composer-input').value = '';
    setText(byId('invite-result'), '');
    if (!c.historyLoaded) void this.loadHistory(false);
    else this.markRead(c);
    if (c.kind === 'group') void this.loadMembers(c.targetId);
    this.render();
    requestAnimationFrame(() => byId('composer-input').focus());
  }

  /** The newest page (first open) or the page before the oldest message shown. */
  private async loadHistory(older: boolean): Promise<void> {
    const c = this.activeConversation();
    if (!c || c.loading || (older && (!c.hasMore || !c.historyLoaded))) return;
    c.loading = true;
    this.render();
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
      if (this.state.active === c.key) this.markRead(c);
    } catch (err) {
      announce(`Could not load messages: ${errorText(err)}`);
      if (!older) c.historyLoaded = true;
    } finally {
      c.loading = false;
      this.render();
    }
  }

  // ---- sending -------------------------------------------------------------------

  private send(text: string): void {
    const c = this.activeConversation();
    const content = text.trim();
    if (!c || !content) return;
    const clientId = crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const message: ChatMessage = { uid: `c${clientId}`, id: null, clientId, from: this.state.me.id, content, timestamp: Date.now(), status: 'pending' };
    c.addPending(message);
    this.deliver(c, message);
    this.view.scrollToEnd();
    this.render();
  }

  /** Hand a send to the client: queued while disconnected, resent with its client id until acked. */
  private deliver(c: Conversation, message: ChatMessage): void {
    const clientId = message.clientId!;
    const sent = c.kind === 'private' ? this.client.sendPrivate(c.targetId, message.content, { clientId }) : this.client.sendGroup(c.targetId, message.content, { clientId });
    sent.then(
      (ack) => {
        c.acknowledge(message, ack.id, ack.timestamp);
        if (c.kind === 'private' && c.stored === 1) void this.refreshOnline();
        this.render();
      },
      (err: unknown) => {
        message.status = 'failed';
        message.error = isParlorClientError(err) ? err.code : 'error';
        announce(`Message not sent: ${errorText(err)}`);
        this.render();
      },
    );
  }

  retry(message: ChatMessage): void {
    const c = [...this.state.conversations.values()].find((x) => x.messages.includes(message));
    if (!c || message.status !== 'failed') return;
    message.status = 'pending';
    delete message.error;
    if (this.client.state === 'closed') void this.client.connect().catch(() => {});
    this.deliver(c, message);
    this.render();
  }

  private sendTyping(isTyping: boolean): void {
    const c = this.activeConversation();
    if (!c || (c.kind === 'private' && c.targetId === this.state.me.id)) return;
    const now = Date.now();
    if (isTyping && now - this.lastTypingSent < TYPING_EVERY_MS) return;
    if (!isTyping && this.lastTypingSent === 0) return;
    this.lastTypingSent = isTyping ? now : 0;
    this.client.typing(c.kind === 'group' ? { group_id: c.targetId } : { to: c.targetId }, isTyping);
  }

  // ---- groups and invitations ----------------------------------------------------

  async answerInvite(groupId: number, accept: boolean): Promise<void> {
    try {
      await api.respond(groupId, accept);
      this.state.responses.set(groupId, accept ? 'accepted' : 'declined');
      await this.refreshGroups();
      announce(accept ? `You joined ${this.state.groups.get(groupId)?.name ?? 'the group'}.` : 'Invitation declined.');
      if (accept) {
        void this.refreshOnline();
        this.closePanel(false);
        this.open(groupKey(groupId));
      }
    } catch (err) {
      announce(`Could not answer the invitation: ${errorText(err)}`);
    }
    this.render();
  }

  // ---- the page's own controls ---------------------------------------------------

  private wireDom(): void {
    const input = byId<HTMLTextAreaElement>('composer-input');
    byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      this.send(input.value);
      input.value = '';
      this.lastTypingSent = 0; // the server ends the indicator when the message arrives
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        byId<HTMLFormElement>('composer').requestSubmit();
      }
    });
    input.addEventListener('input', () => this.sendTyping(input.value.trim() !== ''));
    input.addEventListener('blur', () => this.sendTyping(false));

    const messages = byId('messages');
    messages.addEventListener('scroll', () => {
      if (messages.scrollTop < 80) void this.loadHistory(true);
    });

    this.wireForm('start-form', 'start-error', async (form) => {
      const text = (form.elements.namedItem('user') as HTMLInputElement).value;
      const userId = this.state.resolveUser(text);
      if (userId === undefined) throw new Error(`No user "${text.trim()}" known here: ask them for their user id (top of their page).`);
      form.reset();
      this.open(privateKey(userId));
    });
    this.wireForm('group-form', 'group-error', async (form) => {
      const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
      const group = await api.createGroup(name);
      form.reset();
      this.state.groups.set(group.id, { id: group.id, name: group.name, status: 'accepted' });
      this.state.setMembers(group.id, [{ id: this.state.me.id, username: this.state.me.username, status: 'accepted' }]);
      announce(`Group ${group.name} created.`);
      this.open(groupKey(group.id));
    });
    this.wireForm('invite-form', 'invite-result', async (form) => {
      const c = this.activeConversation();
      if (c?.kind !== 'group') return;
      const text = (form.elements.namedItem('user') as HTMLInputElement).value;
      const userId = this.state.resolveUser(text);
      if (userId === undefined) throw new Error(`No user "${text.trim()}" known here: use their user id.`);
      await api.invite(c.targetId, userId);
      form.reset();
      await this.loadMembers(c.targetId);
      setText(byId('invite-result'), `Invited ${this.state.nameOf(userId)}.`);
    });

    const bell = byId<HTMLButtonElement>('bell');
    bell.addEventListener('click', () => (byId('notifications-panel').hidden ? this.openPanel() : this.closePanel(true)));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !byId('notifications-panel').hidden) this.closePanel(true);
    });
    byId('logout').addEventListener('click', () => void this.logout());
    document.addEventListener('visibilitychange', () => {
      const c = this.activeConversation();
      if (c && document.visibilityState === 'visible') {
        this.markRead(c);
        this.render();
      }
    });
  }

  /** Submit handler with its error shown in `errorId`, and the form busy meanwhile. */
  private wireForm(formId: string, errorId: string, handler: (form: HTMLFormElement) => Promise<void>): void {
    const form = byId<HTMLFormElement>(formId);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      setText(byId(errorId), '');
      form.setAttribute('aria-busy', 'true');
      try {
        await handler(form);
      } catch (err) {
        setText(byId(errorId), errorText(err));
      } finally {
        form.removeAttribute('aria-busy');
      }
    });
  }

  private openPanel(): void {
    const panel = byId('notifications-panel');
    panel.hidden = false;
    byId('bell').setAttribute('aria-expanded', 'true');
    if (this.state.unreadNotifications > 0) {
      this.state.unreadNotifications = 0;
      void api.readNotifications().catch(() => {});
    }
    (panel.querySelector('button') ?? panel).focus();
    this.render();
  }

  private closePanel(focusBell: boolean): void {
    byId('notifications-panel').hidden = true;
    byId('bell').setAttribute('aria-expanded', 'false');
    this.state.notifications = this.state.notifications.map((n) => (n.read ? n : { ...n, read: true }));
    if (focusBell) byId('bell').focus();
    this.render();
  }

  private async logout(): Promise<void> {
    try {
      await api.logout();
    } finally {
      this.client.close('signed out');
      signedOut();
    }
  }

  banner(text: string | null, kind: 'info' | 'warn' | 'error' = 'info', offerReconnect = false): void {
    const el = byId('banner');
    el.hidden = text === null;
    el.dataset.kind = kind;
    if (text === null) {
      el.replaceChildren();
      return;
    }
    el.replaceChildren(text);
    if (offerReconnect) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link-button';
      button.textContent = 'Reconnect now';
      button.addEventListener('click', () => void this.client.connect().catch(() => {}));
      el.append(' ', button);
    }
  }
}

/** The session ended (here or in another tab): start over at the login screen. */
function signedOut(): void {
  location.reload();
}

async function startChat(user: User): Promise<void> {
  const app = new ChatApp(user);
  await app.start();
  show('chat');
}

async function main(): Promise<void> {
  try {
    await startChat(await api.me());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin();
    show('loading');
    setText(byId('loading'), `Parlor could not start: ${errorText(err)}. Reload to try again.`);
  }
}

void main();
